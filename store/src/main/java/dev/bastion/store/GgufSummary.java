package dev.bastion.store;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.GgufFormat;
import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.gguf.GgufCheckpoint;
import dev.bastion.engine.gguf.GgufFileType;
import dev.bastion.engine.gguf.GgufValue;
import dev.bastion.engine.gguf.GgufValueType;
import dev.bastion.engine.model.ModelConfig;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code show} and {@code list} report about a stored GGUF model, read from its (validated) header.
 *
 * @param modelInfo the metadata as Ollama's {@code /api/show} gives it ({@code model_info}): every key, arrays of more
 *                  than 5 items shown empty (Ollama's non-verbose form), plus {@code general.parameter_count}
 * @param chatTemplate {@code tokenizer.chat_template}, or null
 * @param controlTokens the vocabulary's control and user-defined tokens (what capability detection looks for)
 */
public record GgufSummary(ModelConfig config, long parameterCount, String fileType, Map<String, Object> modelInfo,
                          String chatTemplate, List<String> controlTokens) {

    private static final int SHOWN_ARRAY_ITEMS = 5;

    static GgufSummary read(ModelName name, Path blob) throws IOException {
        return read(name, () -> new GgufFormat().read(blob));
    }

    /** Of a model's files held elsewhere (an encrypted GGUF, decrypted into memory for the while). */
    static GgufSummary read(ModelName name, ModelFiles files) throws IOException {
        return read(name, () -> ModelFormat.open(files));
    }

    private interface Opener {
        Checkpoint open() throws IOException;
    }

    private static GgufSummary read(ModelName name, Opener opener) throws IOException {
        try (GgufCheckpoint checkpoint = (GgufCheckpoint) opener.open()) {
            Map<String, GgufValue> metadata = checkpoint.file().metadata();
            Map<String, Object> info = new LinkedHashMap<>();
            metadata.forEach((key, value) -> info.put(key, plain(value)));
            info.put("general.parameter_count", checkpoint.parameterCount());
            return new GgufSummary(checkpoint.config(), checkpoint.parameterCount(), GgufFileType.of(checkpoint.file()),
                    Collections.unmodifiableMap(info), checkpoint.tokenizerConfig().chatTemplate(), controlTokens(metadata));
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("model '" + name + "': its GGUF blob is invalid: " + e.getMessage(), e);
        }
    }

    /** The file type, or null when the blob cannot be read (a listing still shows the model). */
    static String fileTypeOrNull(Path blob) {
        try (GgufCheckpoint checkpoint = (GgufCheckpoint) new GgufFormat().read(blob)) {
            return GgufFileType.of(checkpoint.file());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Object plain(GgufValue value) {
        if (value.type() != GgufValueType.ARRAY) return value.value();
        int length = value.length();
        if (length > SHOWN_ARRAY_ITEMS) return List.of();
        List<Object> items = new ArrayList<>(length);
        for (int i = 0; i < length; i++) items.add(Array.get(value.value(), i));
        return items;
    }

    private static List<String> controlTokens(Map<String, GgufValue> metadata) {
        GgufValue tokens = metadata.get("tokenizer.ggml.tokens");
        GgufValue types = metadata.get("tokenizer.ggml.token_type");
        if (tokens == null || types == null || !(tokens.value() instanceof String[] t) || !(types.value() instanceof int[] k)
                || t.length != k.length) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.length; i++) if (k[i] == 3 || k[i] == 4) out.add(t[i]);
        return List.copyOf(out);
    }
}
