package dev.bastion.cli;

import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;

@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove models; blobs no other model uses are deleted.")
public final class RemoveCommand extends StoreCommand {

    @Parameters(arity = "1..*", paramLabel = "NAME")
    List<String> names;

    /** Removes every model it can; any failure is reported on its own line and makes the exit code 1. */
    @Override
    int run(ModelStore store) {
        int exitCode = 0;
        for (String text : names) {
            try {
                ModelName name = ModelName.parse(text);
                audited("model.delete", name.toString(), Map.of(), () -> {
                    store.delete(name);
                    return null;
                });
                out().println("deleted '" + name + "'");
            } catch (Exception e) {
                err().println("Error: " + describe(e));
                exitCode = 1;
            }
        }
        return exitCode;
    }
}
