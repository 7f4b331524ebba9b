package dev.bastion.api;

import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.SafeTensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** An in-memory catalog whose models are directories holding a config and one weight tensor of a chosen size. */
final class FakeCatalog implements ModelCatalog {

    private static final String CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 1, "vocab_size": 8}""";
    private static final Pattern NAME = Pattern.compile("([a-z0-9][a-z0-9._-]{0,63}/)?[a-z0-9][a-z0-9._-]{0,63}(:[a-z0-9._-]{1,32})?");
    private final Path root;
    private final Map<String, ModelDetails> models = new ConcurrentHashMap<>();
    private final Map<String, WeightFormat> formats = new ConcurrentHashMap<>();
    /** The owner the last write was made for. */
    volatile String lastOwner;

    FakeCatalog(Path root) {
        this.root = root;
    }

    FakeCatalog add(String name, long weightBytes, Map<String, Object> parameters) {
        return add(name, weightBytes, parameters, null);
    }

    FakeCatalog add(String name, long weightBytes, Map<String, Object> parameters, String owner) {
        try {
            Path dir = Files.createDirectories(root.resolve(name.replace(':', '_')));
            // A real checkpoint (the scheduler sizes models through the engine's format layer): one BF16 row of weightBytes.
            Files.writeString(dir.resolve("config.json"), CONFIG);
            SafeTensorsWriter.builder().add("weights", DType.BF16, new long[] {1, weightBytes / 2}, new float[(int) weightBytes / 2])
                    .write(dir.resolve("model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelSummary s = new ModelSummary(name, "sha256:" + Integer.toHexString(name.hashCode()), weightBytes,
                Instant.parse("2026-01-01T00:00:00Z"), owner, Map.of("family", "llama"));
        models.put(name, new ModelDetails(s, "FROM " + name, "", null, parameters));
        return this;
    }

    /** Gives {@code name} a Modelfile TEMPLATE. */
    FakeCatalog template(String name, String template) {
        ModelDetails d = show(name);
        models.put(name, new ModelDetails(d.summary(), d.modelfile(), template, d.system(), d.parameters()));
        return this;
    }

    FakeCatalog quantized(String name) {
        formats.put(check(name), WeightFormat.Q8_0);
        return this;
    }

    private String check(String name) {
        if (!NAME.matcher(name).matches()) throw ApiException.badRequest("invalid model name", "model");
        if (!models.containsKey(name)) throw ApiException.modelNotFound(name);
        return name;
    }

    @Override
    public List<ModelSummary> list() {
        return new ArrayList<>(models.values().stream().map(ModelDetails::summary).toList());
    }

    @Override
    public ModelDetails show(String name) {
        return models.get(check(name));
    }

    @Override
    public Path materialize(String name) {
        return root.resolve(check(name).replace(':', '_'));
    }

    @Override
    public WeightFormat weightFormat(String name) {
        return formats.getOrDefault(check(name), WeightFormat.AS_STORED);
    }

    @Override
    public void copy(String source, String destination, String owner) {
        lastOwner = owner;
        ModelDetails d = show(source);
        if (!NAME.matcher(destination).matches()) throw ApiException.badRequest("invalid model name", "destination");
        add(destination, d.summary().size(), d.parameters(), owner);
    }

    @Override
    public void delete(String name, String owner) {
        lastOwner = owner;
        models.remove(check(name));
    }

    @Override
    public void create(CreateRequest request, String owner) {
        lastOwner = owner;
        ModelDetails d = show(request.from());
        if (!NAME.matcher(request.model()).matches()) throw ApiException.badRequest("invalid model name", "model");
        add(request.model(), d.summary().size(), request.parameters() == null ? d.parameters() : request.parameters(), owner);
    }
}
