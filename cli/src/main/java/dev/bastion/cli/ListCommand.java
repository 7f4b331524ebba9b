package dev.bastion.cli;

import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;

import java.time.Instant;
import java.util.List;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the models in the store.")
public final class ListCommand extends StoreCommand {

    @Override
    int run(ModelStore store) throws Exception {
        Instant now = Instant.now();
        List<List<String>> rows = store.list().stream().map(m -> row(m, now)).toList();
        out().print(Formats.table(List.of("NAME", "ID", "SIZE", "QUANTIZATION", "MODIFIED"), rows));
        return 0;
    }

    private static List<String> row(ModelInfo model, Instant now) {
        String id = model.digest().substring("sha256:".length(), "sha256:".length() + 12);
        String quantization = model.quantizationLevel() == null ? "-" : model.quantizationLevel();
        return List.of(model.name().toString(), id, Formats.size(model.size()), quantization, Formats.age(model.modifiedAt(), now));
    }
}
