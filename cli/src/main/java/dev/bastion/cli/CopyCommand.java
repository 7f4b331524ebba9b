package dev.bastion.cli;

import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

@Command(name = "cp", mixinStandardHelpOptions = true, description = "Copy a model to a new name (the blobs are shared).")
public final class CopyCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "DESTINATION")
    String destination;

    @Override
    int run(ModelStore store) throws Exception {
        ModelName from = ModelName.parse(source);
        ModelName to = ModelName.parse(destination);
        audited("model.copy", to.toString(), Map.of("source", from.toString()), () -> {
            store.copy(from, to);
            return null;
        });
        out().println("copied '" + from + "' to '" + to + "'");
        return 0;
    }
}
