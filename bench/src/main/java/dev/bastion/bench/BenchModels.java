package dev.bastion.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.tokenizer.TinyTokenizers;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The generated model every benchmark and check runs on, in a temporary directory its caller deletes. */
final class BenchModels {

    /** SmolLM2-135M's shape: hidden 576, 30 layers, 9 heads / 3 KV heads, vocabulary 49152, BF16, tied embeddings. */
    static final TinyModelSpec SPEC = TinyModelSpec.smolLm2_135mShape();

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchModels() {}

    static Path generate() throws IOException {
        Path dir = Files.createTempDirectory("bastion-bench-");
        return TinyModelGenerator.generate(dir, Architecture.LLAMA, SPEC, 1);
    }

    /** The shapes the llama.cpp comparison runs, by the name {@code bin/bench --shapes} takes. */
    static TinyModelSpec shape(String name) {
        return switch (name) {
            case "smollm2-135m" -> SPEC;
            // Llama-3.2-1B: hidden 2048, 16 layers, 32 heads / 8 KV heads, vocabulary 128256, tied, Llama 3 RoPE.
            case "llama-3.2-1b" -> new TinyModelSpec(2048, 8192, 16, 32, 8, 128256, DType.BF16, true, true, 1);
            default -> throw new IllegalArgumentException("unknown shape " + name + " (smollm2-135m, llama-3.2-1b)");
        };
    }

    /**
     * Generates {@code spec} with a byte-level tokenizer padded to the model's whole vocabulary ({@code <pad_N>}
     * tokens), so a GGUF export lists one token per embedding row, as llama.cpp requires.
     */
    static Path generateWithFullVocabulary(Path dir, TinyModelSpec spec) throws IOException {
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(TinyTokenizers.byteLevelJson());
        ObjectNode vocab = (ObjectNode) tokenizer.get("model").get("vocab");
        // The vocabulary lists the added tokens too, at its top; the padding continues after them.
        for (int id = vocab.size(); id < spec.vocabSize(); id++) vocab.put("<pad_" + id + ">", id);
        var files = new TinyModelGenerator.TokenizerFiles(JSON.writeValueAsString(tokenizer), TinyTokenizers.byteLevelConfigJson());
        return TinyModelGenerator.generate(dir, Architecture.LLAMA, spec, 1, files);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /**
     * The generated model of {@code shape} in {@code dir} (generated there on first use, then reused, so engine jars
     * can be compared on the same weights), loaded as stored ({@code bf16}) or quantized at load ({@code q8_0}).
     */
    static LlamaModel loadOrGenerate(String shape, Path dir, String type) throws IOException {
        if (!Files.exists(dir.resolve("config.json"))) {
            Files.createDirectories(dir);
            generateWithFullVocabulary(dir, shape(shape));
        }
        return type.equalsIgnoreCase("q8_0") ? LlamaModel.load(dir, WeightFormat.Q8_0) : LlamaModel.load(dir);
    }
}
