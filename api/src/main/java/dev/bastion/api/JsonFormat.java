package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.grammar.Grammar;
import dev.bastion.engine.grammar.InvalidSchemaException;
import dev.bastion.engine.grammar.JsonSchemaGrammar;

/**
 * JSON-constrained replies (Ollama's {@code format}, OpenAI's {@code response_format}) by constrained decoding: the
 * format becomes a grammar the engine's sampler keeps the output in, streamed or not. As in Ollama, the prompt is left
 * alone: telling the model what JSON is wanted stays the client's business.
 */
final class JsonFormat {

    private JsonFormat() {}

    /** The grammar of {@code format} ("json" or a schema object; null: none), or a 400 naming what is wrong with it. */
    static Grammar grammar(JsonNode format) {
        if (format == null) return null;
        try {
            return JsonSchemaGrammar.forFormat(format);
        } catch (InvalidSchemaException e) {
            throw ApiException.badRequest("invalid JSON schema for structured output: " + e.getMessage(), "format");
        }
    }
}
