package dev.bastion.cli;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bastion import model.gguf NAME}, {@code create -f} with {@code FROM ./model.gguf}, and what list and show report. */
class GgufCommandsTest {

    @TempDir
    Path tmp;
    Path home;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        GgufExport.export(Stories260K.directory(), tmp.resolve("stories.gguf"), StorageType.F16, GgufModelExport.Vocabulary.LLAMA);
    }

    @Test
    void importListShowAndCreateFromAGgufFile() throws IOException {
        CliRun imported = CliRun.run(home, new ImportCommand(), tmp.resolve("stories.gguf").toString(), "stories:f16");
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).startsWith("imported stories:f16 (1 files, ");

        assertThat(CliRun.run(home, new ListCommand()).out().lines().skip(1).findFirst().orElseThrow())
                .matches("stories:f16\\s+[0-9a-f]{12}\\s+\\S+ [KM]B\\s+F16\\s+.*");
        String shown = CliRun.run(home, new ShowCommand(), "stories:f16").out();
        assertThat(shown).contains("architecture        llama").contains("format              gguf")
                .contains("quantization        F16").containsPattern("parameters\\s+\\d+K");

        Path modelfile = Files.writeString(tmp.resolve("Modelfile"), "FROM ./stories.gguf\nPARAMETER num_ctx 256\n");
        CliRun created = CliRun.run(home, new CreateCommand(), "stories:ctx", "-f", modelfile.toString());
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(CliRun.run(home, new ShowCommand(), "stories:ctx").out()).contains("format              gguf").contains("num_ctx");
    }

    /** A .gguf file runs straight from disk, writing what its SafeTensors original writes (greedy, raw prompt). */
    @Test
    void runReadsAGgufFileDirectly() {
        java.io.StringWriter fromGguf = new java.io.StringWriter();
        java.io.StringWriter fromDir = new java.io.StringWriter();
        for (var target : java.util.List.of(java.util.Map.entry(tmp.resolve("stories.gguf").toString(), fromGguf),
                java.util.Map.entry(Stories260K.directory().toString(), fromDir))) {
            picocli.CommandLine cli = new picocli.CommandLine(new RunCommand());
            cli.setOut(new java.io.PrintWriter(target.getValue()));
            java.io.StringWriter err = new java.io.StringWriter();
            cli.setErr(new java.io.PrintWriter(err));
            assertThat(cli.execute(target.getKey(), "--raw", "Once upon a time", "--temperature", "0", "--repeat-penalty", "1",
                    "--num-predict", "12")).as(err.toString()).isZero();
        }
        assertThat(fromGguf.toString()).isNotBlank().isEqualTo(fromDir.toString());
    }

    @Test
    void theNameIsGivenOnceAndABrokenFileIsRefused() throws IOException {
        CliRun twice = CliRun.run(home, new ImportCommand(), tmp.resolve("stories.gguf").toString(), "a", "-n", "b");
        assertThat(twice.exit()).isNotZero();
        assertThat(twice.err()).contains("give the model's NAME once");
        Path broken = Files.write(tmp.resolve("broken.gguf"), "GGUF\u0003\u0000\u0000\u0000".getBytes());
        CliRun refused = CliRun.run(home, new ImportCommand(), broken.toString(), "broken");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("invalid GGUF file").contains("truncated");
        assertThat(CliRun.run(home, new ListCommand()).out().lines().count()).isEqualTo(1);
    }
}
