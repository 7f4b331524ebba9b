package dev.bastion.cli;

import dev.bastion.store.GgufConfigJson;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.OllamaModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import a Hugging Face model directory (config.json, *.safetensors, tokenizer.json) into the store:",
                "  import DIR --name NAME",
                "or a model of an Ollama models directory (default $OLLAMA_MODELS, else ~/.ollama/models):",
                "  import --ollama [DIR] NAME[:TAG] [--name NAME]"})
public final class ImportCommand extends StoreCommand {

    @Parameters(arity = "1..2", paramLabel = "DIR|NAME", description = "The model directory; with --ollama: [DIR] NAME[:TAG].")
    List<String> arguments;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "[namespace/]name[:tag] to store it as "
            + "(required for a directory; with --ollama the Ollama name by default).")
    String name;

    @Option(names = "--ollama", description = "Import from an Ollama models directory (the weights are hard-linked when "
            + "on the same file system, else copied; Ollama's files are never modified).")
    boolean ollama;

    /** The config layer of a GGUF weights file (a test seam: tests may import stand-in weights). */
    static ModelStore.WeightsConfig ggufConfig = GgufConfigJson::of;

    @Override
    int run(ModelStore store) throws Exception {
        if (ollama) return importOllama(store);
        if (arguments.size() != 1) throw new IllegalArgumentException("import takes one directory (or --ollama [DIR] NAME)");
        if (name == null) throw new IllegalArgumentException("--name is required to import a directory");
        Path directory = Path.of(arguments.getFirst());
        ModelName modelName = ModelName.parse(name);
        Manifest manifest = audited("model.import", modelName.toString(), Map.of("directory", directory.toAbsolutePath().toString()),
                () -> store.importDirectory(directory, modelName, null));
        out().println("imported " + modelName + " (" + manifest.allLayers().size() + " files, " + Formats.size(manifest.size()) + ")");
        return 0;
    }

    private int importOllama(ModelStore store) throws Exception {
        Path directory = arguments.size() == 2 ? Path.of(arguments.get(0)) : OllamaModels.defaultDirectory(home.environment);
        String reference = arguments.getLast();
        ModelName modelName = name != null ? ModelName.parse(name) : OllamaModels.storeName(reference);
        String[] source = new String[1];
        ModelStore.OllamaImport imported = audited("model.import", modelName.toString(),
                Map.of("ollama", directory.toAbsolutePath().toString(), "reference", reference), () -> {
                    OllamaModels.Model model = OllamaModels.read(directory, reference);
                    source[0] = model.reference();
                    model.warnings().forEach(w -> err().println("warning: " + w));
                    return store.importOllama(model, modelName, null, ggufConfig);
                });
        out().println("imported " + modelName + " from Ollama's " + source[0] + " (" + Formats.size(imported.manifest().size())
                + ", weights " + (imported.linked() ? "hard-linked" : "copied") + ")");
        return 0;
    }
}
