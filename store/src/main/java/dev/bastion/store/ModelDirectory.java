package dev.bastion.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.SafeTensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face style model directory, validated as a whole before the store copies anything from it.
 * Files the store does not know (README, *.bin, …) are ignored.
 */
record ModelDirectory(Path dir, List<Source> files, long totalSize) {

    record Source(Path path, LayerType type) {
        String fileName() {
            return path.getFileName().toString();
        }
    }

    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    private static final Set<String> LICENSES = Set.of("LICENSE", "LICENSE.txt", "LICENSE.md");
    private static final ObjectMapper JSON = new ObjectMapper();

    static ModelDirectory scan(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new InvalidModelException(dir + ": not a directory");
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.filter(Files::isRegularFile).sorted().toList();
        }
        Path config = dir.resolve(CONFIG);
        if (!Files.isRegularFile(config)) throw new InvalidModelException(dir + ": " + CONFIG + " is missing");
        try {
            ModelConfig.read(config);
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("invalid " + CONFIG + ": " + e.getMessage(), e);
        }
        Path tokenizer = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(tokenizer)) throw new InvalidModelException(dir + ": " + TOKENIZER + " is missing");

        List<Source> sources = new ArrayList<>();
        boolean hasWeights = false;
        for (Path file : entries) {
            String name = file.getFileName().toString();
            LayerType type = typeOf(name);
            if (type == null) continue;
            if (name.endsWith(".json")) requireJsonObject(file);
            if (name.endsWith(".safetensors")) {
                requireSafeTensors(file);
                hasWeights = true;
            }
            sources.add(new Source(file, type));
        }
        if (!hasWeights) throw new InvalidModelException(dir + ": no *.safetensors weights");
        Path index = dir.resolve(WEIGHTS_INDEX);
        if (Files.isRegularFile(index)) requireIndexedShardsPresent(index, sources);
        long total = 0;
        for (Source s : sources) total += Files.size(s.path());
        return new ModelDirectory(dir, List.copyOf(sources), total);
    }

    private static LayerType typeOf(String name) {
        if (name.equals(CONFIG)) return LayerType.CONFIG;
        if (name.equals(TOKENIZER)) return LayerType.TOKENIZER;
        if (name.equals("tokenizer_config.json")) return LayerType.TOKENIZER_CONFIG;
        if (name.equals("generation_config.json")) return LayerType.GENERATION_CONFIG;
        if (name.endsWith(".safetensors") || name.equals(WEIGHTS_INDEX)) return LayerType.WEIGHTS;
        if (LICENSES.contains(name)) return LayerType.LICENSE;
        return null;
    }

    private static JsonNode requireJsonObject(Path file) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) throw new InvalidModelException(file + ": expected a JSON object");
        return node;
    }

    private static void requireSafeTensors(Path file) throws IOException {
        try (SafeTensorsFile ignored = SafeTensorsFile.open(file)) {
            // Opening validates the header and every tensor's offsets against the file size.
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("invalid safetensors file " + e.getMessage(), e);
        }
    }

    private static void requireIndexedShardsPresent(Path index, List<Source> sources) throws IOException {
        JsonNode weightMap = requireJsonObject(index).path("weight_map");
        if (!weightMap.isObject()) throw new InvalidModelException(index + ": 'weight_map' must be an object");
        Set<String> present = new java.util.HashSet<>();
        sources.forEach(s -> present.add(s.fileName()));
        for (JsonNode shard : weightMap) {
            if (!present.contains(shard.asText())) {
                throw new InvalidModelException(index + ": references shard '" + shard.asText() + "' which is not in the directory");
            }
        }
    }
}
