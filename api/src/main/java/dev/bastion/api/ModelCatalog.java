package dev.bastion.api;

import dev.bastion.engine.model.WeightFormat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model store as the API sees it. Implementations validate names (throwing {@link ApiException} 400 for a malformed
 * one and 404 for an unknown one) so that no handler ever touches a path built from client input.
 */
public interface ModelCatalog {

    /**
     * One stored model, as listed by {@code /api/tags} and {@code /v1/models}; {@code owner} may be null.
     *
     * @param digest {@code sha256:<hex>}
     * @param capabilities Ollama's names ({@code completion}, {@code tools}, …), see {@code ModelCapabilities}
     * @param contextLength the model's trained context (0: unknown)
     */
    record ModelSummary(String name, String digest, long size, Instant modifiedAt, String owner, Map<String, Object> details,
                        List<String> capabilities, int contextLength) {
        public ModelSummary {
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // keeps the JSON field order
            capabilities = List.copyOf(capabilities);
        }

        /** A model that only completes, of unknown context. */
        public ModelSummary(String name, String digest, long size, Instant modifiedAt, String owner, Map<String, Object> details) {
            this(name, digest, size, modifiedAt, owner, details, List.of("completion"), 0);
        }
    }

    /**
     * What {@code /api/show} reports.
     *
     * @param license the Modelfile LICENSE, or null
     * @param modelInfo Ollama's {@code model_info} keys ({@code general.architecture}, {@code llama.context_length}, …)
     */
    record ModelDetails(ModelSummary summary, String modelfile, String template, String system,
                        Map<String, Object> parameters, String license, Map<String, Object> modelInfo) {
        public ModelDetails {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
            modelInfo = Collections.unmodifiableMap(new java.util.TreeMap<>(modelInfo)); // sorted, as Go marshals maps
        }

        public ModelDetails(ModelSummary summary, String modelfile, String template, String system, Map<String, Object> parameters) {
            this(summary, modelfile, template, system, parameters, null, Map.of());
        }
    }

    /**
     * Ollama's current {@code /api/create} fields; any of from/system/template/parameters/quantize may be null.
     *
     * @param quantize as Ollama names it ({@code q8_0}, {@code q4_K_M}): the weights are stored quantized; null keeps
     *                 the base model's
     */
    record CreateRequest(String model, String from, String system, String template, Map<String, Object> parameters,
                         String quantize, boolean encrypt) {
        public CreateRequest(String model, String from, String system, String template, Map<String, Object> parameters,
                             String quantize) {
            this(model, from, system, template, parameters, quantize, false);
        }
    }

    /** Like {@code create(request, owner)}, telling {@code progress} how far quantizing is (Ollama's streamed statuses). */
    default void create(CreateRequest request, String owner, java.util.function.Consumer<dev.bastion.api.types.CreateProgress> progress) {
        create(request, owner);
    }

    List<ModelSummary> list();

    /** Throws when the store cannot be read (the readiness probe's check); cheaper than {@link #list} where it can be. */
    default void checkReadable() {
        list();
    }

    /** Whether a blob was uploaded under {@code digest} ({@code sha256:<hex>}); 400 for a malformed digest. */
    default boolean hasUpload(String digest) {
        throw new ApiException(501, "blob uploads are not supported by this catalog", null);
    }

    /** Stores an upload if it hashes to {@code digest} and holds at most {@code maxBytes}; 400 on a mismatch, 413 over. */
    default void upload(String digest, java.io.InputStream content, long maxBytes) {
        throw new ApiException(501, "blob uploads are not supported by this catalog", null);
    }

    /** Imports the model directory {@code dir} (already checked to be where the server may read) as {@code name}. */
    default void importDirectory(Path dir, String name, String owner) {
        throw new ApiException(501, "importing directories is not supported by this catalog", null);
    }

    /** Creates {@code name} from uploaded files (file name to digest); 400 for GGUF, unknown digests, invalid models. */
    default void createFromUploads(String name, Map<String, String> files, String owner) {
        throw new ApiException(501, "blob uploads are not supported by this catalog", null);
    }

    /** @throws ApiException 400 for an invalid name, 404 for an unknown model */
    ModelDetails show(String name);

    /**
     * The model's vocabulary in token id order (what {@code /api/show} with {@code verbose} lists as
     * {@code tokenizer.ggml.tokens}); empty when unknown.
     */
    default List<String> vocabulary(String name) {
        return List.of();
    }

    /** A verified directory the engine can load. */
    Path materialize(String name);

    /** The model's files as the engine reads them: the verified directory, or an encrypted model decrypted into memory. */
    default dev.bastion.engine.format.ModelFiles open(String name) {
        return dev.bastion.engine.format.ModelFiles.directory(materialize(name));
    }

    /** Like {@code createFromUploads(name, files, owner)}, storing the blobs encrypted when {@code encrypt}. */
    default void createFromUploads(String name, Map<String, String> files, String owner, boolean encrypt) {
        if (encrypt) throw ApiException.badRequest("this server cannot store models encrypted", "encrypt");
        createFromUploads(name, files, owner);
    }

    /** How the engine should hold the model's weights (Q8_0 for a model created with {@code quantize}). */
    WeightFormat weightFormat(String name);

    void copy(String source, String destination, String owner);

    void delete(String name, String owner);

    void create(CreateRequest request, String owner);
}
