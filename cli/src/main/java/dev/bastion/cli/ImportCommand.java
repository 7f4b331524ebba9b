package dev.bastion.cli;

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
        description = {"Import a Hugging Face model directory (config.json, *.safetensors, tokenizer.json) or a .gguf file into the store:",
                "  import DIR|FILE.gguf NAME   (or -n NAME)",
                "or a model of an Ollama models directory (default $OLLAMA_MODELS, else ~/.ollama/models):",
                "  import --ollama [DIR] NAME[:TAG] [-n NAME]"})
public final class ImportCommand extends StoreCommand {

    @Parameters(arity = "1..2", paramLabel = "ARG", description = "DIR|FILE.gguf [NAME]; with --ollama: [DIR] NAME[:TAG].")
    List<String> arguments;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "[namespace/]name[:tag] to store it as "
            + "(with --ollama the Ollama name by default).")
    String name;

    @Option(names = "--ollama", description = "Import from an Ollama models directory (the weights are hard-linked when "
            + "on the same file system, else copied; Ollama's files are never modified).")
    boolean ollama;

    @Override
    int run(ModelStore store) throws Exception {
        if (ollama) return importOllama(store);
        String positionalName = arguments.size() == 2 ? arguments.get(1) : null;
        if ((name == null) == (positionalName == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give the model's NAME once: as an argument or with -n");
        }
        Path directory = Path.of(arguments.getFirst());
        ModelName modelName = ModelName.parse(name != null ? name : positionalName);
        Signing.refuseImportUnderEnforce(home, store, modelName.toString());
        Manifest manifest = audited("model.import", modelName.toString(), Map.of("directory", directory.toAbsolutePath().toString()),
                () -> store.importDirectory(directory, modelName, null));
        out().println("imported " + modelName + " (" + manifest.allLayers().size() + " files, " + Formats.size(manifest.size()) + ")");
        return 0;
    }

    private int importOllama(ModelStore store) throws Exception {
        Path directory = arguments.size() == 2 ? Path.of(arguments.get(0)) : OllamaModels.defaultDirectory(home.environment);
        String reference = arguments.getLast();
        ModelName modelName = name != null ? ModelName.parse(name) : OllamaModels.storeName(reference);
        Signing.refuseImportUnderEnforce(home, store, modelName.toString());
        String[] source = new String[1];
        ModelStore.OllamaImport imported = audited("model.import", modelName.toString(),
                Map.of("ollama", directory.toAbsolutePath().toString(), "reference", reference), () -> {
                    OllamaModels.Model model = OllamaModels.read(directory, reference);
                    source[0] = model.reference();
                    model.warnings().forEach(w -> err().println("warning: " + w));
                    return store.importOllama(model, modelName, null);
                });
        out().println("imported " + modelName + " from Ollama's " + source[0] + " (" + Formats.size(imported.manifest().size())
                + ", weights " + (imported.linked() ? "hard-linked" : "copied") + ")");
        return 0;
    }
}
