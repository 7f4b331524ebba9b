package dev.bastion.engine.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.JsonErrors;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.TensorInfo;
import dev.bastion.engine.safetensors.WeightSet;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A Hugging Face model directory opened: config.json read, the SafeTensors weights validated and memory-mapped. */
final class SafeTensorsCheckpoint implements Checkpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelFormat format;
    private final Path dir;
    private final ModelFiles files;
    private final ModelConfig config;
    private final WeightSet weights;
    private final Map<String, TensorEntry> tensors;

    private SafeTensorsCheckpoint(ModelFormat format, ModelFiles files, ModelConfig config, WeightSet weights) {
        this.format = format;
        this.dir = files.path();
        this.files = files;
        this.config = config;
        this.weights = weights;
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (String name : weights.names()) {
            TensorInfo info = weights.info(name);
            entries.put(name, new TensorEntry(name, storageType(info.dtype()), info.shape()));
        }
        this.tensors = Collections.unmodifiableMap(entries);
    }

    static Checkpoint open(ModelFormat format, Path dir) throws IOException {
        return open(format, ModelFiles.directory(dir));
    }

    static Checkpoint open(ModelFormat format, ModelFiles files) throws IOException {
        ModelConfig config = ModelConfig.read(files.path().resolve("config.json"), files.read("config.json"));
        return new SafeTensorsCheckpoint(format, files, config, WeightSet.open(files));
    }

    private static StorageType storageType(DType dtype) {
        return switch (dtype) {
            case F32 -> StorageType.F32;
            case F16 -> StorageType.F16;
            case BF16 -> StorageType.BF16;
        };
    }

    @Override
    public Path path() {
        return dir;
    }

    @Override
    public ModelFormat format() {
        return format;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Tokenizer tokenizer() throws IOException {
        return Tokenizer.load(dir.resolve("tokenizer.json"), text("tokenizer.json"));
    }

    @Override
    public TokenizerConfig tokenizerConfig() throws IOException {
        return TokenizerConfig.read(dir.resolve("tokenizer_config.json"),
                files.has("tokenizer_config.json") ? text("tokenizer_config.json") : null,
                files.has("chat_template.jinja") ? text("chat_template.jinja") : null);
    }

    private String text(String name) throws IOException {
        return new String(files.read(name), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** generation_config.json's eos_token_id (an id or a list of ids); none without the file. */
    @Override
    public Set<Integer> generationEosTokenIds() throws IOException {
        Path file = dir.resolve("generation_config.json");
        if (!files.has("generation_config.json")) return Set.of();
        JsonNode root;
        try {
            root = JSON.readTree(files.read("generation_config.json"));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + JsonErrors.describe(e), e);
        }
        JsonNode eos = root == null ? null : root.get("eos_token_id");
        if (eos == null || eos.isNull()) return Set.of();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode id : eos.isArray() ? eos : List.of(eos)) {
            if (!id.canConvertToInt() || !id.isIntegralNumber()) {
                throw new IOException(file + ": eos_token_id must be an integer or a list of integers, found " + eos);
            }
            ids.add(id.asInt());
        }
        return ids;
    }

    @Override
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    @Override
    public MemorySegment data(String name) {
        return weights.data(name);
    }

    @Override
    public float[] readFloats(String name) {
        return weights.readFloats(name);
    }

    @Override
    public void close() {
        weights.close();
    }
}
