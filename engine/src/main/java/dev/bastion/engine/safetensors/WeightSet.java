package dev.bastion.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.format.ModelFiles;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The weights of a model directory: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}. Every shard is validated on open, and the index must agree
 * exactly with the shards' contents.
 */
public final class WeightSet implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Index files only list names; anything this large is not an index. */
    private static final long MAX_INDEX_BYTES = 64L * 1024 * 1024;

    private final Path directory;
    private final Map<String, SafeTensorsFile> fileByTensor;
    private final List<SafeTensorsFile> files;

    private WeightSet(Path directory, Map<String, SafeTensorsFile> fileByTensor, List<SafeTensorsFile> files) {
        this.directory = directory;
        this.fileByTensor = fileByTensor;
        this.files = files;
    }

    /** Opens {@code model.safetensors} if present, else the sharded set described by the index file. */
    public static WeightSet open(Path modelDir) throws IOException {
        Objects.requireNonNull(modelDir, "modelDir");
        return open(ModelFiles.directory(modelDir));
    }

    /** Like {@link #open(Path)}, on a model's files wherever they are held. */
    public static WeightSet open(ModelFiles model) throws IOException {
        Path modelDir = model.path();
        if (model.has(SINGLE_FILE)) {
            SafeTensorsFile file = openFile(model, SINGLE_FILE);
            Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
            for (String name : file.tensors().keySet()) byTensor.put(name, file);
            return new WeightSet(modelDir, Collections.unmodifiableMap(byTensor), List.of(file));
        }
        if (!model.has(INDEX_FILE)) {
            throw new SafeTensorsException(modelDir, "neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
        }
        return openSharded(model, modelDir.resolve(INDEX_FILE));
    }

    private static SafeTensorsFile openFile(ModelFiles model, String name) throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment whole;
        try {
            whole = model.map(name, arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        return SafeTensorsFile.open(model.path().resolve(name), whole, arena);
    }

    private static WeightSet openSharded(ModelFiles model, Path index) throws IOException {
        Path dir = model.path();
        Map<String, String> shardByTensor = readWeightMap(model, index);
        Map<String, SafeTensorsFile> openShards = new LinkedHashMap<>();
        try {
            Map<String, SafeTensorsFile> fileByTensor = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : shardByTensor.entrySet()) {
                String tensor = entry.getKey();
                String shardName = entry.getValue();
                SafeTensorsFile shard = openShards.get(shardName);
                if (shard == null) {
                    if (!model.has(shardName)) {
                        throw SafeTensorsException.forTensor(index, tensor, "shard file " + SafeTensorsException.quote(shardName) + " does not exist");
                    }
                    shard = openFile(model, shardName);
                    openShards.put(shardName, shard);
                }
                if (!shard.tensors().containsKey(tensor)) {
                    throw SafeTensorsException.forTensor(index, tensor, "listed in weight_map but missing from shard " + SafeTensorsException.quote(shardName));
                }
                fileByTensor.put(tensor, shard);
            }
            // A shard holding a tensor the index does not assign to it is a duplicate or a stale shard.
            for (Map.Entry<String, SafeTensorsFile> shard : openShards.entrySet()) {
                for (String tensor : shard.getValue().tensors().keySet()) {
                    String assigned = shardByTensor.get(tensor);
                    if (!shard.getKey().equals(assigned)) {
                        throw SafeTensorsException.forTensor(shard.getValue().path(), tensor, assigned == null
                                ? "present in the shard but not listed in " + INDEX_FILE
                                : "duplicated: the index assigns it to shard " + SafeTensorsException.quote(assigned));
                    }
                }
            }
            return new WeightSet(dir, Collections.unmodifiableMap(fileByTensor), List.copyOf(openShards.values()));
        } catch (IOException | RuntimeException | Error e) {
            openShards.values().forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(ModelFiles model, Path index) throws IOException {
        long size = model.size(INDEX_FILE);
        if (size > MAX_INDEX_BYTES) {
            throw new SafeTensorsException(index, "index is " + size + " bytes, over the " + MAX_INDEX_BYTES + "-byte limit");
        }
        JsonNode root = Json.parse(index, "index", model.read(INDEX_FILE));
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafeTensorsException(index, "weight_map is missing or not a JSON object");
        }
        Map<String, String> shardByTensor = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            JsonNode shard = entry.getValue();
            if (!shard.isTextual()) {
                throw SafeTensorsException.forTensor(index, entry.getKey(), "shard name is not a string: " + Json.describe(shard));
            }
            checkPlainFileName(index, entry.getKey(), shard.textValue());
            shardByTensor.put(entry.getKey(), shard.textValue());
        }
        return shardByTensor;
    }

    /** Shard names come from an untrusted file: only plain names inside the model directory are allowed. */
    private static void checkPlainFileName(Path index, String tensor, String name) throws SafeTensorsException {
        boolean plain = !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.chars().noneMatch(c -> c == '/' || c == '\\' || c == 0 || c == ':');
        if (!plain) {
            throw SafeTensorsException.forTensor(index, tensor, "shard name " + SafeTensorsException.quote(name)
                    + " is not a plain file name inside the model directory");
        }
    }

    public Path directory() {
        return directory;
    }

    /** Tensor names, in index (or file) order. */
    public Set<String> names() {
        return fileByTensor.keySet();
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    public MemorySegment data(String name) {
        return fileFor(name).data(name);
    }

    public float[] readFloats(String name) {
        return fileFor(name).readFloats(name);
    }

    private SafeTensorsFile fileFor(String name) {
        SafeTensorsFile file = fileByTensor.get(name);
        if (file == null) throw new IllegalArgumentException(directory + ": model has no tensor named " + SafeTensorsException.quote(name));
        return file;
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
