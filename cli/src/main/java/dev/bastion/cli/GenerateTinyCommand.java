package dev.bastion.cli;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code bastion generate-tiny --arch llama DIR}: writes a tiny random model directory for tests and demos. */
@Command(name = "generate-tiny", mixinStandardHelpOptions = true,
        description = "Write a tiny randomly initialised model directory (config, weights, tokenizer).")
public final class GenerateTinyCommand implements Callable<Integer> {

    @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "llama, qwen2 or mistral.")
    String arch;

    @Option(names = "--seed", defaultValue = "0", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(index = "0", paramLabel = "DIR", description = "Directory to write.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            Architecture architecture = generate(dir, arch, seed);
            spec.commandLine().getOut().println("wrote a tiny " + architecture.name().toLowerCase(Locale.ROOT) + " model to " + dir);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("bastion generate-tiny: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    /** Writes a tiny random model of the named architecture into {@code dir}; {@code create --generate} uses it too. */
    static Architecture generate(Path dir, String architectureName, long seed) throws IOException {
        Architecture architecture = parseArchitecture(architectureName);
        TinyModelGenerator.generate(dir, architecture, TinyModelSpec.tiny(architecture), seed);
        return architecture;
    }

    private static Architecture parseArchitecture(String name) {
        return Arrays.stream(Architecture.values()).filter(a -> a.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown architecture '" + name + "'; choose one of "
                        + Arrays.stream(Architecture.values()).map(a -> a.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))));
    }
}
