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
        description = "Import a Hugging Face model directory (config.json, *.safetensors, tokenizer.json) into the store.")
public final class ImportCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "DIR", description = "The model directory.")
    Path directory;

    @Option(names = {"-n", "--name"}, required = true, paramLabel = "NAME", description = "[namespace/]name[:tag] to store it as.")
    String name;

    @Override
    int run(ModelStore store) throws Exception {
        ModelName modelName = ModelName.parse(name);
        Manifest manifest = audited("model.import", modelName.toString(), Map.of("directory", directory.toAbsolutePath().toString()),
                () -> store.importDirectory(directory, modelName, null));
        out().println("imported " + modelName + " (" + manifest.allLayers().size() + " files, " + Formats.size(manifest.size()) + ")");
        return 0;
    }
}
