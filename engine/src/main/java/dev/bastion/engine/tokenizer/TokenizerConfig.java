package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.JsonErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The parts of HF {@code tokenizer_config.json} the runtime needs; every field is null when absent.
 *
 * @param addBosToken whether the tokenizer prepends BOS (null: not said, follow the tokenizer's post_processor)
 */
public record TokenizerConfig(String bosToken, String eosToken, Boolean addBosToken, String chatTemplate) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads the file; a missing file gives a config of nulls. Without a chat_template in it, a sibling
     * {@code chat_template.jinja} (where recent transformers save it) supplies the template.
     */
    public static TokenizerConfig read(Path tokenizerConfigJson) throws IOException {
        String json;
        try {
            json = Files.readString(tokenizerConfigJson);
        } catch (NoSuchFileException e) {
            json = null;
        }
        Path jinja = tokenizerConfigJson.resolveSibling("chat_template.jinja");
        return read(tokenizerConfigJson, json, Files.isRegularFile(jinja) ? Files.readString(jinja) : null);
    }

    /**
     * Like {@link #read(Path)} on contents already read: {@code json} the tokenizer_config.json (null: none),
     * {@code jinja} a chat_template.jinja beside it (null: none).
     */
    public static TokenizerConfig read(Path tokenizerConfigJson, String json, String jinja) {
        TokenizerConfig config;
        try {
            config = json == null ? new TokenizerConfig(null, null, null, null) : parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenizerConfigJson + ": " + e.getMessage(), e);
        }
        if (config.chatTemplate() != null || jinja == null) return config;
        return new TokenizerConfig(config.bosToken(), config.eosToken(), config.addBosToken(), jinja);
    }

    public static TokenizerConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tokenizer_config.json is " + JsonErrors.describe(e), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("tokenizer_config.json: expected a JSON object");
        JsonNode addBos = root.get("add_bos_token");
        if (addBos != null && !addBos.isNull() && !addBos.isBoolean()) {
            throw new IllegalArgumentException("add_bos_token: expected true or false but found " + addBos.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return new TokenizerConfig(token(root, "bos_token"), token(root, "eos_token"),
                addBos == null || addBos.isNull() ? null : addBos.asBoolean(), chatTemplate(root.get("chat_template")));
    }

    /** A token is a string or an AddedToken object {"content": …}. */
    private static String token(JsonNode root, String field) {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) return null;
        if (value.isTextual()) return value.asText();
        if (value.isObject() && value.path("content").isTextual()) return value.get("content").asText();
        throw new IllegalArgumentException(field + ": expected a string or {\"content\": …} but found " + TokenizerJson.describe(value));
    }

    /** A template is a string or a list of {name, template}, of which "default" is the chat template. */
    private static String chatTemplate(JsonNode value) {
        if (value == null || value.isNull()) return null;
        if (value.isTextual()) return value.asText();
        if (value.isArray()) {
            for (JsonNode named : value) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) return named.get("template").asText();
            }
            return null;
        }
        throw new IllegalArgumentException("chat_template: expected a string or a list of {name, template} but found " + TokenizerJson.describe(value));
    }
}
