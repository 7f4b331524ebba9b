package dev.bastion.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.JsonErrors;
import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.GgufFormat;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.SafeTensorsFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face style model directory, validated as a whole before the store copies anything from it.
 * Files the store does not know (README, *.bin, …) and subdirectories are never read. The directory itself may be a
 * symbolic link (it is resolved once); every file the store takes from it must be a regular file of its own: a
 * symbolic link or a hard link could carry any file the importing process can read (such as the server's secret key)
 * into a model that other users can read.
 */
record ModelDirectory(Path dir, List<Source> files, long totalSize) {

    /** @param fileKey the file's identity when it was checked, so that a file swapped in later is noticed */
    record Source(Path path, LayerType type, Object fileKey) {
        String fileName() {
            return path.getFileName().toString();
        }

        /** Opens the file without following a link, and only if it is still the file that was checked. */
        InputStream open() throws IOException {
            SeekableByteChannel channel;
            try {
                channel = Files.newByteChannel(path, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
            } catch (IOException e) {
                requireOwnRegularFile(path); // names a link that replaced the file (the JDK says only "too many levels")
                throw e;
            }
            try {
                if (!Objects.equals(requireOwnRegularFile(path).fileKey(), fileKey)) {
                    throw new InvalidModelException(path + " was replaced while it was imported");
                }
                return Channels.newInputStream(channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    private static final Set<String> LICENSES = Set.of("LICENSE", "LICENSE.txt", "LICENSE.md");
    private static final ObjectMapper JSON = new ObjectMapper();

    static ModelDirectory scan(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new InvalidModelException(dir + ": not a directory");
        Path real = dir.toRealPath();
        List<Path> entries;
        try (Stream<Path> list = Files.list(real)) {
            entries = list.filter(p -> typeOf(p.getFileName().toString()) != null).sorted().toList();
        }
        List<Source> sources = new ArrayList<>();
        for (Path file : entries) {
            sources.add(new Source(file, typeOf(file.getFileName().toString()), requireOwnRegularFile(file).fileKey()));
        }
        Path config = real.resolve(CONFIG);
        if (!entries.contains(config)) throw new InvalidModelException(dir + ": " + CONFIG + " is missing");
        try {
            ModelConfig.read(config);
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("invalid " + CONFIG + ": " + e.getMessage(), e);
        }
        if (!entries.contains(real.resolve(TOKENIZER))) throw new InvalidModelException(dir + ": " + TOKENIZER + " is missing");

        boolean hasWeights = false;
        for (Path file : entries) {
            String name = file.getFileName().toString();
            if (name.endsWith(".json")) requireJsonObject(file);
            if (name.endsWith(".safetensors")) {
                requireSafeTensors(file);
                hasWeights = true;
            }
        }
        if (!hasWeights) throw new InvalidModelException(dir + ": no *.safetensors weights");
        Path index = real.resolve(WEIGHTS_INDEX);
        if (entries.contains(index)) requireIndexedShardsPresent(index, sources);
        long total = 0;
        for (Source s : sources) total += Files.size(s.path());
        return new ModelDirectory(real, List.copyOf(sources), total);
    }

    /** The layer name a GGUF model's file gets in the store and when materialized. */
    static final String GGUF_FILE = "model.gguf";

    /**
     * A single GGUF file, validated as the engine will read it (header, metadata caps, tensor layout, config and
     * tokenizer keys) before the store copies it; held to the same own-regular-file rule as a directory's files.
     */
    static ModelDirectory ggufFile(Path file) throws IOException {
        Path real = file.toRealPath();
        BasicFileAttributes attributes = requireOwnRegularFile(file);
        requireLoadableGguf(real);
        return new ModelDirectory(real.getParent(), List.of(new Source(real, LayerType.GGUF, attributes.fileKey())),
                attributes.size());
    }

    /** Reads {@code gguf} as the engine will (header, caps, tensor layout, config and tokenizer keys), or refuses it. */
    static void requireLoadableGguf(Path gguf) throws InvalidModelException {
        try (Checkpoint checkpoint = new GgufFormat().read(gguf)) {
            checkpoint.tokenizer();
            checkpoint.tokenizerConfig();
        } catch (IOException | RuntimeException e) {
            throw new InvalidModelException("invalid GGUF file: " + e.getMessage(), e);
        }
    }

    /** Refuses anything but a regular file with a single link; returns its attributes. */
    private static BasicFileAttributes requireOwnRegularFile(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            throw new InvalidModelException(file + " is a symbolic link; a model directory's files must be regular files (copy the file in instead)");
        }
        if (!attributes.isRegularFile()) throw new InvalidModelException(file + " is not a regular file");
        int links = linkCount(file);
        if (links > 1) {
            throw new InvalidModelException(file + " has " + links + " hard links; a model directory's files must be files of their own (copy it instead)");
        }
        return attributes;
    }

    private static int linkCount(Path file) throws IOException {
        try {
            return ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return 1; // not a Unix file system: it has no hard links to speak of
        }
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
            throw new InvalidModelException(file + ": " + JsonErrors.describe(e), e);
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
