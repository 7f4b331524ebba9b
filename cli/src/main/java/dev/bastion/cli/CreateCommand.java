package dev.bastion.cli;

import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.Modelfile;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a model from a Modelfile, or generate a tiny random model for testing.")
public final class CreateCommand extends StoreCommand {

    static final long MAX_MODELFILE_BYTES = 1 << 20;

    @Parameters(index = "0", paramLabel = "NAME", description = "[namespace/]name[:tag] of the new model.")
    String name;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = {"-f", "--file"}, paramLabel = "MODELFILE", description = "The Modelfile; FROM paths are relative to its directory.")
        Path modelfile;

        @Option(names = "--generate", paramLabel = "ARCH", description = "Generate a tiny random model: llama, qwen2 or mistral.")
        String architecture;
    }

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--quantize", paramLabel = "LEVEL", description = {"Store the weights quantized, as Ollama's create --quantize:",
            "q8_0, q4_0, q4_K_M or q5_K_M. The model is kept as one GGUF file. Needs -f with a safetensors base."})
    String quantize;

    @Option(names = "--encrypt", description = {"Store the model's blobs encrypted (AES-256-GCM, keys wrapped under the",
            "server secret); also what BASTION_ENCRYPT_MODELS=on does for every model. See docs/encryption.md."})
    boolean encrypt;

    @Override
    boolean encrypt() {
        return encrypt;
    }

    @Override
    int run(ModelStore store) throws Exception {
        ModelName modelName = ModelName.parse(name);
        QuantizationMix mix = quantize == null ? null : QuantizationMix.parse(quantize);
        if (mix != null && source.modelfile == null) throw new IllegalArgumentException("--quantize needs -f MODELFILE");
        Map<String, String> details = new java.util.LinkedHashMap<>();
        if (mix != null) details.put("quantize", mix.ollamaName());
        if (store.encryptsNewBlobs()) details.put("encrypted", "true");
        Manifest manifest = audited("model.create", modelName.toString(), details,
                () -> source.modelfile != null ? fromModelfile(store, modelName, mix) : generated(store, modelName));
        out().println("created " + modelName + " (" + manifest.allLayers().size() + " files, " + Formats.size(manifest.size())
                + (manifest.quantization() == null ? "" : ", served as " + manifest.quantization().level())
                + (mix == null ? "" : ", quantized to " + mix.name()) + (store.encryptsNewBlobs() ? ", encrypted" : "") + ")");
        return 0;
    }

    private Manifest fromModelfile(ModelStore store, ModelName modelName, QuantizationMix mix) throws IOException {
        Path file = source.modelfile.toAbsolutePath();
        if (Files.size(file) > MAX_MODELFILE_BYTES) {
            throw new IOException(file + " is larger than " + MAX_MODELFILE_BYTES + " bytes; not a Modelfile");
        }
        Modelfile modelfile = Modelfile.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (mix == null) return store.create(modelName, modelfile, null, file.getParent());
        return store.createQuantized(modelName, modelfile, null, file.getParent(), mix, (done, total) -> {
            if (done == 1) {
                err().println("quantizing model to " + mix.name() + " (" + total + " tensors)");
                err().flush();
            }
        });
    }

    private Manifest generated(ModelStore store, ModelName modelName) throws IOException {
        Path temp = Files.createTempDirectory("bastion-generate-");
        try {
            GenerateTinyCommand.generate(temp, source.architecture, seed);
            return store.importDirectory(temp, modelName, null);
        } finally {
            try (var files = Files.walk(temp)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
