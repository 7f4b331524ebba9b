package dev.bastion.cli;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.store.ModelDetails;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StoreCommandsTest {

    @TempDir
    Path tmp;
    Path home;
    Path modelDir;

    record Result(int exitCode, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        modelDir = TinyModelGenerator.generate(tmp.resolve("model"), Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA), 7);
    }

    @Test
    void importListShowCopyRemove() {
        Result imported = run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).startsWith("imported tiny:latest (5 files, ");

        Result listed = run(new ListCommand());
        assertThat(listed.out().lines().toList()).hasSize(2).first().asString().matches("NAME\\s+ID\\s+SIZE\\s+QUANTIZATION\\s+MODIFIED");
        assertThat(listed.out().lines().skip(1).findFirst().orElseThrow())
                .matches("tiny:latest\\s+[0-9a-f]{12}\\s+\\d+(\\.\\d)? [KM]B\\s+-\\s+(Less than a second|\\d+ seconds?) ago");

        Result shown = run(new ShowCommand(), "tiny");
        assertThat(shown.out()).contains("architecture        llama").contains("dtype               bfloat16")
                .containsPattern("parameters\\s+\\d+(\\.\\d)?[KM]");

        assertThat(run(new CopyCommand(), "tiny", "alice/tiny:v1").out()).isEqualTo("copied 'tiny:latest' to 'alice/tiny:v1'\n");
        assertThat(run(new ListCommand()).out()).contains("alice/tiny:v1").contains("tiny:latest");

        Result removed = run(new RemoveCommand(), "tiny", "alice/tiny:v1");
        assertThat(removed.exitCode()).isZero();
        assertThat(removed.out()).isEqualTo("deleted 'tiny:latest'\ndeleted 'alice/tiny:v1'\n");
        assertThat(run(new ListCommand()).out()).isEqualTo("NAME   ID   SIZE   QUANTIZATION   MODIFIED\n");
        assertThat(home.resolve("blobs")).isEmptyDirectory();
    }

    @Test
    void createWithQuantizeStoresAQuantizedGgufAndListAndShowReportIt() throws IOException {
        Path modelfile = Files.writeString(tmp.resolve("Modelfile"), "FROM ./model\n");
        Result created = run(new CreateCommand(), "tiny-q8", "-f", modelfile.toString(), "--quantize", "q8_0");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("created tiny-q8:latest (1 files, ").contains("quantized to Q8_0");
        assertThat(created.err()).startsWith("quantizing model to Q8_0 (");
        assertThat(run(new ListCommand()).out().lines().skip(1).findFirst().orElseThrow()).matches("tiny-q8:latest\\s+\\S+\\s+\\S+ [KM]B\\s+Q8_0\\s+.*");
        assertThat(run(new ShowCommand(), "tiny-q8").out()).contains("format              gguf").contains("quantization        Q8_0");
    }

    @Test
    void createRefusesAnUnknownQuantizeAndWritesNothing() throws IOException {
        Path modelfile = Files.writeString(tmp.resolve("Modelfile"), "FROM ./model\n");
        Result refused = run(new CreateCommand(), "tiny-q3", "-f", modelfile.toString(), "--quantize", "q3_K_S");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("unsupported quantization 'q3_K_S'; supported: q8_0, q4_0, q4_k_m, q5_k_m");
        Result generated = run(new CreateCommand(), "gen", "--generate", "llama", "--quantize", "q8_0");
        assertThat(generated.exitCode()).isEqualTo(1);
        assertThat(generated.err()).contains("--quantize needs -f");
        assertThat(run(new ListCommand()).out()).isEqualTo("NAME   ID   SIZE   QUANTIZATION   MODIFIED\n");
        assertThat(home.resolve("blobs")).isEmptyDirectory();
    }

    @Test
    void lsIsAnAliasOfList() {
        assertThat(new CommandLine(new ListCommand()).getCommandSpec().aliases()).contains("ls");
    }

    @Test
    void createFromAModelfileThenShowItsParts() throws IOException {
        Path modelfile = Files.writeString(tmp.resolve("Modelfile"), """
                FROM ./model
                PARAMETER temperature 0.25
                PARAMETER stop "<end>"
                TEMPLATE \"\"\"{{ .Prompt }}\"\"\"
                SYSTEM Answer briefly.
                LICENSE Apache-2.0
                """);
        Result created = run(new CreateCommand(), "mine", "-f", modelfile.toString());
        assertThat(created.exitCode()).as(created.err()).isZero();

        assertThat(run(new ShowCommand(), "mine", "--system").out()).isEqualTo("Answer briefly.\n");
        assertThat(run(new ShowCommand(), "mine", "--template").out()).isEqualTo("{{ .Prompt }}\n");
        assertThat(run(new ShowCommand(), "mine", "--license").out()).isEqualTo("Apache-2.0\n");
        assertThat(run(new ShowCommand(), "mine", "--parameters").out())
                .isEqualTo(String.format("%-20s%s%n%-20s%s%n", "temperature", "0.25", "stop", "\"<end>\""));
        String rendered = run(new ShowCommand(), "mine", "--modelfile").out();
        assertThat(rendered).contains("FROM mine:latest\n").contains("PARAMETER temperature 0.25\n");
        assertThat(run(new ShowCommand(), "mine").out()).contains("  System\n    Answer briefly.");

        // The shown Modelfile recreates the model from itself.
        Path again = Files.writeString(tmp.resolve("Again"), rendered);
        assertThat(run(new CreateCommand(), "mine:copy", "-f", again.toString()).exitCode()).isZero();
        assertThat(run(new ShowCommand(), "mine:copy", "--parameters").out()).isEqualTo(run(new ShowCommand(), "mine", "--parameters").out());
    }

    @Test
    void theShownModelfileRecreatesTextsThatHoldTripleQuotesExactly() throws IOException {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        String system = "hi\"\"\"\nPARAMETER temperature 99\n\"\"\"";
        new ModelStore(home).create(ModelName.parse("sly"),
                new Modelfile("tiny", Map.of("temperature", 0.5), null, system, "\"\"\"\\ MIT\r\n"), null, null);

        Path shown = Files.writeString(tmp.resolve("Shown"), run(new ShowCommand(), "sly", "--modelfile").out());
        Result created = run(new CreateCommand(), "sly:again", "-f", shown.toString());
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(run(new ShowCommand(), "sly:again", "--parameters").out()).isEqualTo(String.format("%-20s%s%n", "temperature", "0.5"));
        ModelDetails again = new ModelStore(home).show(ModelName.parse("sly:again"));
        assertThat(again.system()).isEqualTo(system);
        assertThat(again.license()).isEqualTo("\"\"\"\\ MIT\r\n");
    }

    @Test
    void importAndCreateRefuseAModelFileLinkedToTheSecretKey() throws IOException {
        Files.createDirectories(home);
        Path secret = Files.writeString(home.resolve("secret.key"), "c2VjcmV0LWtleS1vZi10aGUtc2VydmVyLTMyYnl0ZXM=");
        Files.createSymbolicLink(modelDir.resolve("LICENSE"), secret);
        Files.delete(modelDir.resolve("tokenizer_config.json"));
        Files.createLink(modelDir.resolve("tokenizer_config.json"), secret);
        Path modelfile = Files.writeString(tmp.resolve("Modelfile"), "FROM ./model\n");

        expectError(run(new ImportCommand(), modelDir.toString(), "--name", "sly"), modelDir.resolve("LICENSE") + " is a symbolic link");
        expectError(run(new CreateCommand(), "sly", "-f", modelfile.toString()), "LICENSE is a symbolic link");
        Files.delete(modelDir.resolve("LICENSE"));
        Result hardLink = expectError(run(new ImportCommand(), modelDir.toString(), "--name", "sly"), "tokenizer_config.json has 2 hard links");
        assertThat(hardLink.err()).doesNotContain("c2VjcmV0");
        assertThat(home.resolve("manifests")).isEmptyDirectory();
    }

    @Test
    void storeGcRemovesWhatACrashedImportLeftAndSaysHowMuch() throws IOException {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        Files.writeString(home.resolve("blobs/sha256-" + "ab".repeat(32)), "x".repeat(2048));
        Files.writeString(home.resolve("blobs/tmp-crashed"), "x".repeat(1024));

        Result gc = run(new StoreMaintenanceCommand(), "gc");
        assertThat(gc.exitCode()).as(gc.err()).isZero();
        assertThat(gc.out()).isEqualTo("removed blobs/tmp-crashed\nremoved blobs/sha256-" + "ab".repeat(32) + "\nremoved 2 files, 3.1 KB\n");
        assertThat(run(new StoreMaintenanceCommand(), "gc").out()).isEqualTo("nothing to remove\n");
        assertThat(run(new ShowCommand(), "tiny").exitCode()).isZero();
    }

    @Test
    void storeVerifyReportsEveryProblemAndExitsOne() throws IOException {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        Result ok = run(new StoreMaintenanceCommand(), "verify");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("ok: 1 manifests, 5 blobs verified\n");

        Path blob;
        try (Stream<Path> blobs = Files.list(home.resolve("blobs"))) {
            blob = blobs.sorted().findFirst().orElseThrow();
        }
        blob.toFile().setWritable(true);
        Files.writeString(blob, "tampered");
        Result bad = run(new StoreMaintenanceCommand(), "verify");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.out().lines().toList()).containsExactly(
                "blob " + blob.getFileName() + " does not match its digest: its content hashes to "
                        + "sha256:" + sha256Hex("tampered") + " (corrupt or tampered with)",
                "1 problems in 1 manifests, 5 blobs");
    }

    private static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void createGeneratesATinyModel() {
        Result created = run(new CreateCommand(), "tiny-qwen", "--generate", "qwen2");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(run(new ShowCommand(), "tiny-qwen").out()).contains("architecture        qwen2");
    }

    @Test
    void errorsAreOneLineWithExitCodeOne() throws IOException {
        Path badModelfile = Files.writeString(tmp.resolve("Bad"), "FROM ./model\nPARAMETER top_k many\n");
        List<Result> failures = new ArrayList<>();
        failures.add(expectError(run(new ImportCommand(), modelDir.toString(), "--name", "../x"), "must not contain '..'"));
        failures.add(expectError(run(new ImportCommand(), tmp.resolve("absent").toString(), "--name", "x"), "not a directory"));
        failures.add(expectError(run(new ShowCommand(), "nope"), "model 'nope:latest' not found"));
        failures.add(expectError(run(new CopyCommand(), "nope", "other"), "model 'nope:latest' not found"));
        failures.add(expectError(run(new CreateCommand(), "x", "-f", badModelfile.toString()), "Modelfile line 2: parameter 'top_k'"));
        failures.add(expectError(run(new CreateCommand(), "x", "-f", tmp.resolve("missing").toString()), "no such file"));
        failures.add(expectError(run(new CreateCommand(), "x", "--generate", "gpt2"), "choose one of llama, qwen2, mistral"));
        assertThat(failures).hasSize(7);
        assertThat(home.resolve("manifests")).isEmptyDirectory();
    }

    @Test
    void createRefusesATemplateGenerationCannotRenderAndWritesNothing() throws IOException {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        List<Path> before;
        try (Stream<Path> files = Files.walk(home.resolve("blobs"))) {
            before = files.sorted().toList();
        }
        Path modelfile = Files.writeString(tmp.resolve("Modelfile"),
                "FROM tiny\nSYSTEM Be brief.\nTEMPLATE \"\"\"{{ .System }}\n{{ range .Tools }}{{ .Content }}{{ end }}\"\"\"\n");
        expectError(run(new CreateCommand(), "templated", "-f", modelfile.toString()),
                "Modelfile line 3: TEMPLATE: unsupported template construct: '{{ range .Tools }}'");
        assertThat(run(new ListCommand()).out()).contains("tiny:latest").doesNotContain("templated");
        try (Stream<Path> files = Files.walk(home.resolve("blobs"))) {
            assertThat(files.sorted().toList()).isEqualTo(before);
        }
    }

    @Test
    void modelOperationsAreAuditedAsTheOperatingSystemUserAndTheChainVerifies() throws IOException {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        run(new CreateCommand(), "gen", "--generate", "qwen2");
        run(new CopyCommand(), "tiny", "alice/tiny:v1");
        run(new RemoveCommand(), "alice/tiny:v1", "ghost");

        List<String> records = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("audit.log"))) {
            var record = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            records.add(String.join(" ", record.get("actor").asText(), record.get("action").asText(),
                    record.get("target").asText(), record.get("outcome").asText()));
        }
        String actor = "cli:" + System.getProperty("user.name");
        assertThat(records).containsExactly(
                actor + " model.import tiny:latest success",
                actor + " model.create gen:latest success",
                actor + " model.copy alice/tiny:v1 success",
                actor + " model.delete alice/tiny:v1 success",
                actor + " model.delete ghost:latest failure");

        Result verified = run(new AuditCommand(), "verify");
        assertThat(verified.exitCode()).as(verified.err()).isZero();
        assertThat(verified.out()).isEqualTo("ok, 5 records\n");
    }

    @Test
    void removeReportsEachMissingModelAndRemovesTheOthers() {
        run(new ImportCommand(), modelDir.toString(), "--name", "tiny");
        Result removed = run(new RemoveCommand(), "ghost", "tiny", "a/b/c");
        assertThat(removed.exitCode()).isEqualTo(1);
        assertThat(removed.out()).isEqualTo("deleted 'tiny:latest'\n");
        assertThat(removed.err().lines()).hasSize(2).allMatch(line -> line.startsWith("Error: "));
    }

    @Test
    void homeComesFromTheOptionThenTheEnvironmentThenTheUserHome() {
        HomeOption options = new HomeOption();
        options.environment = Map.of();
        assertThat(options.resolve()).isEqualTo(Path.of(System.getProperty("user.home"), ".bastion"));
        options.environment = Map.of("BASTION_HOME", "/srv/bastion");
        assertThat(options.resolve()).isEqualTo(Path.of("/srv/bastion"));
        ListCommand command = new ListCommand();
        new CommandLine(command).parseArgs("--home", "/opt/models");
        command.home.environment = Map.of("BASTION_HOME", "/srv/bastion");
        assertThat(command.home.resolve()).isEqualTo(Path.of("/opt/models"));
    }

    private Result run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        String[] withHome = Stream.concat(Stream.of(args), Stream.of("--home", home.toString())).toArray(String[]::new);
        int exitCode = commandLine.execute(withHome);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private static Result expectError(Result result, String message) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).startsWith("Error: ").contains(message).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.out()).isEmpty();
        return result;
    }
}
