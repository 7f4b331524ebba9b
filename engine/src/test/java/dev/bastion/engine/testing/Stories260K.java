package dev.bastion.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * stories260K, a real trained tiny Llama (Karpathy's TinyStories model, MIT licence; see its SOURCE.md), kept in the
 * engine's test resources and published with its test-jar, so any module's tests can run real weights.
 */
public final class Stories260K {

    private static final String RESOURCE = "models/stories260K/";
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "reference_greedy.json",
            "LICENSE.llama2c-MIT", "SOURCE.md");
    private static Path directory;

    /** llama2.c's greedy run from BOS: the prompt ids, the 200 generated ids and their text. */
    public record Reference(int[] promptIds, int[] greedyIds, String greedyText) {}

    private Stories260K() {}

    /**
     * The model directory: the resource directory itself when tests run from classes, else (from the test-jar) a copy
     * in a temporary directory made once per JVM. Read-only by convention: tests that change files copy it first.
     */
    public static synchronized Path directory() {
        if (directory != null) return directory;
        URL config = Stories260K.class.getClassLoader().getResource(RESOURCE + "config.json");
        if (config == null) throw new IllegalStateException(RESOURCE + " is not on the test class path");
        try {
            if (config.getProtocol().equals("file")) {
                directory = Path.of(config.toURI()).getParent();
            } else {
                Path copy = Files.createTempDirectory("stories260K");
                copy.toFile().deleteOnExit();
                for (String file : FILES) {
                    try (InputStream in = Stories260K.class.getClassLoader().getResourceAsStream(RESOURCE + file)) {
                        Files.copy(in, copy.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                    }
                    copy.resolve(file).toFile().deleteOnExit();
                }
                directory = copy;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return directory;
    }

    /** Copies the model into {@code target} (created if needed) for a test that changes or imports it. */
    public static Path copyTo(Path target) throws IOException {
        Files.createDirectories(target);
        for (String file : FILES) Files.copy(directory().resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    public static Reference reference() {
        try {
            JsonNode root = new ObjectMapper().readTree(directory().resolve("reference_greedy.json").toFile());
            return new Reference(ints(root.get("prompt_ids")), ints(root.get("greedy_ids")), root.get("greedy_text").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
