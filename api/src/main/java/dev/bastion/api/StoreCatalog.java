package dev.bastion.api;

import dev.bastion.api.types.CreateProgress;
import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.store.InvalidModelNameException;
import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelNotFoundException;
import dev.bastion.store.ModelParameter;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@link ModelStore} behind the API. Client-supplied names go through {@link ModelName#parse} before anything
 * else, and {@code /api/create} only builds on models already in the store, never on server directories.
 */
public final class StoreCatalog implements ModelCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(StoreCatalog.class);

    private final ModelStore store;
    private final ModelDescriptions descriptions;

    public StoreCatalog(ModelStore store) {
        this.store = store;
        this.descriptions = new ModelDescriptions(store);
    }

    @Override
    public List<ModelSummary> list() {
        List<ModelSummary> out = new ArrayList<>();
        for (ModelInfo info : io(store::list)) {
            try {
                out.add(summary(store.show(info.name())));
            } catch (IOException e) {
                LOG.warn("skipping unreadable model {}", info.name(), e);
            }
        }
        return out;
    }

    @Override
    public void checkReadable() {
        for (String dir : List.of("manifests", "blobs")) {
            Path path = store.home().resolve(dir);
            if (!java.nio.file.Files.isDirectory(path) || !java.nio.file.Files.isReadable(path)) {
                throw new IllegalStateException("the store's " + dir + " directory is not a readable directory");
            }
        }
        io(store::list); // the manifests only, not every model's details
    }

    @Override
    public ModelDetails show(String name) {
        ModelName parsed = parse(name, "model");
        dev.bastion.store.ModelDetails d = io(() -> store.show(parsed));
        ModelSummary summary = summary(d);
        // /api/show names the model it was created from; listings show "" as Ollama's do
        String parent = io(() -> store.manifest(parsed)).map(dev.bastion.store.Manifest::parent).orElse(null);
        if (parent != null) {
            Map<String, Object> details = new LinkedHashMap<>(summary.details());
            details.put("parent_model", parent);
            summary = new ModelSummary(summary.name(), summary.digest(), summary.size(), summary.modifiedAt(), summary.owner(),
                    details, summary.capabilities(), summary.contextLength());
        }
        return new ModelDetails(summary, d.modelfile().render(), d.template(), d.system(), d.parameters(), d.license(),
                descriptions.of(d).modelInfo());
    }

    @Override
    public boolean hasUpload(String digest) {
        try {
            return store.uploads().has(digest);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), "digest");
        }
    }

    @Override
    public void upload(String digest, java.io.InputStream content, long maxBytes) {
        try {
            store.uploads().put(digest, content, maxBytes);
        } catch (dev.bastion.store.BlobUploads.BlobTooLargeException e) {
            throw new ApiException(413, e.getMessage(), null);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), "digest");
        } catch (IOException e) {
            LOG.error("blob upload failed", e);
            throw new ApiException(500, "model store operation failed", null);
        }
    }

    @Override
    public void createFromUploads(String name, Map<String, String> files, String owner) {
        createFromUploads(name, files, owner, false);
    }

    @Override
    public void createFromUploads(String name, Map<String, String> files, String owner, boolean encrypt) {
        ModelName parsed = parse(name, "model");
        try {
            writer(encrypt).importUploads(parsed, files, owner);
        } catch (dev.bastion.store.InvalidModelException e) {
            // the model's own files are at fault: say what, but never where the server keeps them
            throw ApiException.badRequest(e.getMessage().replace(store.home().toString(), "").replaceAll("/?uploads/tmp-stage-[0-9a-f-]+/?", ""), "files");
        } catch (IOException e) {
            LOG.error("creating a model from uploaded files failed", e);
            throw new ApiException(500, "model store operation failed", null);
        }
    }

    @Override
    public void importDirectory(Path dir, String name, String owner) {
        ModelName parsed = parse(name, "model");
        try {
            store.importDirectory(dir, parsed, owner);
        } catch (dev.bastion.store.InvalidModelException e) {
            // say what is wrong with the model, never where the server keeps it
            throw ApiException.badRequest(e.getMessage().replace(dir.toString(), "").replace(store.home().toString(), ""), "path");
        } catch (IOException e) {
            LOG.error("importing a model directory failed", e);
            throw new ApiException(500, "model store operation failed", null);
        }
    }

    @Override
    public List<String> vocabulary(String name) {
        ModelName parsed = parse(name, "model");
        return descriptions.vocabulary(io(() -> store.show(parsed)));
    }

    @Override
    public Path materialize(String name) {
        ModelName parsed = parse(name, "model");
        return io(() -> store.materialize(parsed));
    }

    @Override
    public dev.bastion.engine.format.ModelFiles open(String name) {
        ModelName parsed = parse(name, "model");
        dev.bastion.engine.format.ModelFiles files = io(() -> store.open(parsed));
        if (files.onDisk()) return files;
        // decrypting happens as the engine maps each file: a chunk that fails there is the same clean error
        return new dev.bastion.engine.format.ModelFiles() {
            @Override
            public Path path() {
                return files.path();
            }

            @Override
            public List<String> names() throws IOException {
                return files.names();
            }

            @Override
            public boolean has(String name) {
                return files.has(name);
            }

            @Override
            public long size(String name) throws IOException {
                return files.size(name);
            }

            @Override
            public byte[] read(String name) {
                return io(() -> files.read(name));
            }

            @Override
            public java.lang.foreign.MemorySegment map(String name, java.lang.foreign.Arena arena) {
                return io(() -> files.map(name, arena));
            }
        };
    }

    /** The store that writes a model: encrypting when asked ({@code encrypt}) or when the home encrypts everything. */
    private ModelStore writer(boolean encrypt) {
        if (!encrypt) return store;
        if (!store.hasKey()) throw new ApiException(500, "this server has no secret to encrypt models with", null);
        return store.encrypting();
    }

    @Override
    public WeightFormat weightFormat(String name) {
        ModelName parsed = parse(name, "model");
        return io(() -> store.show(parsed)).weightFormat();
    }

    @Override
    public void copy(String source, String destination, String owner) {
        ModelName from = parse(source, "source");
        ModelName to = parse(destination, "destination");
        io(() -> {
            store.copy(from, to, owner);
            return null;
        });
    }

    @Override
    public void delete(String name, String owner) {
        ModelName parsed = parse(name, "model");
        io(() -> {
            store.delete(parsed);
            return null;
        });
    }

    @Override
    public void create(CreateRequest request, String owner) {
        create(request, owner, progress -> {});
    }

    @Override
    public void create(CreateRequest request, String owner, Consumer<CreateProgress> progress) {
        ModelName name = parse(request.model(), "model");
        ModelName from = parse(request.from(), "from");
        ChatPrompt.of(request.template(), null); // a template generation cannot render is refused before anything is read
        QuantizationMix mix = quantization(request.quantize());
        io(() -> store.show(from)); // 404 unless the base is a stored model, so FROM never resolves to a directory
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (request.parameters() != null) request.parameters().forEach((k, v) -> parameters.put(k, parameter(k, v)));
        Modelfile modelfile = new Modelfile(from.toString(), parameters, request.template(), request.system(), null);
        // null baseDir: a base deleted meanwhile is a 404, never a directory
        ModelStore writer = writer(request.encrypt());
        if (mix == null) {
            io(() -> writer.create(name, modelfile, owner, null));
            return;
        }
        String status = "quantizing model to " + mix.ollamaName();
        io(() -> writer.createQuantized(name, modelfile, owner, null, mix,
                (done, total) -> progress.accept(new CreateProgress(status, (long) total, (long) done))));
    }

    /** The quantization {@code quantize} names, or null; 400 naming the supported levels. */
    static QuantizationMix quantization(String quantize) {
        if (quantize == null) return null;
        try {
            return QuantizationMix.parse(quantize);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'quantize': " + e.getMessage(), "quantize");
        }
    }

    private static Object parameter(String key, Object value) {
        ModelParameter p = ModelParameter.fromKey(key).orElseThrow(() ->
                ApiException.badRequest("unknown parameter '" + ApiException.quote(key) + "'", "parameters"));
        try {
            if (value instanceof List<?> list) {
                if (!p.repeatable()) throw ApiException.badRequest("parameter '" + p.key() + "' takes one value", "parameters");
                return list.stream().map(v -> p.parse(String.valueOf(v))).toList();
            }
            if (value instanceof Map<?, ?> || value == null) {
                throw ApiException.badRequest("parameter '" + p.key() + "' must be a number or a string", "parameters");
            }
            Object parsed = p.parse(String.valueOf(value));
            return p.repeatable() ? List.of(parsed) : parsed;
        } catch (ApiException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), "parameters");
        }
    }

    private ModelSummary summary(dev.bastion.store.ModelDetails d) {
        Map<String, Object> details = new LinkedHashMap<>();
        String family = d.architecture() == null ? "unknown" : d.architecture().name().toLowerCase(Locale.ROOT);
        details.put("parent_model", ""); // as Ollama lists it; the store does not record what a model was created from
        details.put("format", d.format());
        details.put("family", family);
        details.put("families", List.of(family));
        details.put("parameter_size", d.parameterSize());
        details.put("quantization_level", d.quantizationLevel());
        return new ModelSummary(d.name().toString(), d.digest(), d.size(), d.createdAt(), d.owner(), details,
                descriptions.of(d).capabilities(), d.contextLength());
    }

    /** @throws ApiException 400 naming {@code field} for a missing or malformed name */
    static ModelName parse(String text, String field) {
        if (text == null) throw ApiException.badRequest("'" + field + "' is required", field);
        try {
            return ModelName.parse(text);
        } catch (InvalidModelNameException e) {
            throw ApiException.badRequest(e.getMessage(), field);
        }
    }

    private interface StoreCall<T> {
        T call() throws IOException;
    }

    /** Store failures become client errors only when they are the client's; anything else is logged and hidden. */
    private static <T> T io(StoreCall<T> call) {
        try {
            return call.call();
        } catch (ModelNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (InvalidModelNameException e) {
            throw ApiException.badRequest(e.getMessage(), "model");
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), null);
        } catch (dev.bastion.store.UndecryptableModelException e) {
            // which blob and which key is for the operator's log; the client learns the model does not decrypt
            LOG.error("{}", e.getMessage());
            throw new ApiException(500, "model '" + e.model() + "' cannot be loaded: it does not decrypt with this server's"
                    + " secret, or its stored files were tampered with (see the server log)", null);
        } catch (IOException e) {
            LOG.error("model store operation failed", e);
            throw new ApiException(500, "model store operation failed", null);
        }
    }
}
