package dev.bastion.cli;

import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Map;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a Hugging Face model directory (config.json, *.safetensors, tokenizer.json) or a .gguf file into the store.")
public final class ImportCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "DIR|FILE.gguf", description = "The model directory or GGUF file.")
    Path directory;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "[namespace/]name[:tag] to store it as (or -n).")
    String positionalName;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "[namespace/]name[:tag] to store it as.")
    String name;

    @Override
    int run(ModelStore store) throws Exception {
        if ((name == null) == (positionalName == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give the model's NAME once: as an argument or with -n");
        }
        ModelName modelName = ModelName.parse(name != null ? name : positionalName);
        Manifest manifest = audited("model.import", modelName.toString(), Map.of("directory", directory.toAbsolutePath().toString()),
                () -> store.importDirectory(directory, modelName, null));
        out().println("imported " + modelName + " (" + manifest.allLayers().size() + " files, " + Formats.size(manifest.size()) + ")");
        return 0;
    }
}
