package dev.bastion.cli;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bastion import --ollama [DIR] NAME[:TAG]}. */
class ImportOllamaCommandTest {

    @TempDir
    Path tmp;
    Path home;
    Path ollama;
    Path gguf;

    record Result(int exitCode, String out, String err) {}

    @BeforeEach
    void setUp() throws Exception {
        home = tmp.resolve("home");
        ollama = tmp.resolve("ollama");
        gguf = GgufExport.export(Stories260K.directory(), tmp.resolve("stories.gguf"), StorageType.F32, GgufModelExport.Vocabulary.LLAMA);
        String weights = blob(Files.readAllBytes(gguf));
        String template = blob("{{ .System }} {{ .Prompt }}".getBytes(StandardCharsets.UTF_8));
        String params = blob("{\"temperature\": 0.25, \"penalize_newline\": true}".getBytes(StandardCharsets.UTF_8));
        String manifest = """
                {"schemaVersion": 2, "layers": [
                 {"mediaType": "application/vnd.ollama.image.model", "digest": "%s", "size": %d},
                 {"mediaType": "application/vnd.ollama.image.template", "digest": "%s", "size": 27},
                 {"mediaType": "application/vnd.ollama.image.params", "digest": "%s", "size": %d}]}"""
                .formatted(weights, Files.size(gguf), template, params, Files.size(ollama.resolve("blobs/sha256-" + params.substring(7))));
        Path file = ollama.resolve("manifests/registry.ollama.ai/library/tiny/q8");
        Files.createDirectories(file.getParent());
        Files.writeString(file, manifest);
    }

    private String blob(byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        Files.createDirectories(ollama.resolve("blobs"));
        Files.write(ollama.resolve("blobs/sha256-" + hex), content);
        return "sha256:" + hex;
    }

    @Test
    void importsFromTheGivenDirectoryOrOllamaModels() throws IOException {
        Result imported = run(Map.of(), "--ollama", ollama.toString(), "tiny:q8");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).startsWith("imported tiny:q8 from Ollama's registry.ollama.ai/library/tiny:q8 (")
                .endsWith(", weights hard-linked)\n");
        assertThat(imported.err()).isEqualTo("warning: left out the parameter 'penalize_newline', which Bastion does not use\n");
        Result shown = run(Map.of(), "show", "tiny:q8");
        assertThat(shown.out()).contains("temperature").contains("0.25");

        Result again = run(Map.of("OLLAMA_MODELS", ollama.toString()), "--ollama", "tiny:q8", "--name", "alice/mine");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(run(Map.of(), "list").out()).contains("alice/mine:latest").contains("tiny:q8");
    }

    @Test
    void weightsThatAreNoGgufAreRefusedWithNothingWritten() throws Exception {
        String standIn = blob("GGUF-stand-in".getBytes(StandardCharsets.UTF_8));
        Path file = ollama.resolve("manifests/registry.ollama.ai/library/fake/latest");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"schemaVersion": 2, "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "%s", "size": 13},
                 {"mediaType": "application/vnd.ollama.image.params", "digest": "%s", "size": 47}]}"""
                .formatted(standIn, blob("{\"temperature\": 0.25, \"penalize_newline\": true}".getBytes(StandardCharsets.UTF_8))));
        Result refused = run(Map.of(), "--ollama", ollama.toString(), "fake");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err().lines().toList()).hasSize(2).last().asString()
                .startsWith("Error: invalid GGUF file: sha256-"
                        + "4348cf700b10273e2403ff86d219af455e413f9dc4ed05a9caa73434d1172808: GGUF version")
                .doesNotContain(tmp.toString());
        assertThat(run(Map.of(), "list").out().lines()).hasSize(1);
        try (Stream<Path> blobs = Files.list(home.resolve("blobs"))) {
            assertThat(blobs).isEmpty();
        }
    }

    @Test
    void aRealGgufComesOverAndRunsAsItsSafeTensorsForm() throws Exception {
        String weights = blob(Files.readAllBytes(gguf));
        Path file = ollama.resolve("manifests/registry.ollama.ai/library/stories/260k");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"schemaVersion": 2, "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "%s", "size": %d}]}"""
                .formatted(weights, Files.size(gguf)));
        Result imported = run(Map.of(), "--ollama", ollama.toString(), "stories:260k");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(run(Map.of(), "show", "stories:260k").out()).contains("llama").contains("gguf");

        String[] options = {"--raw", "Once upon a time", "--temperature", "0", "--repeat-penalty", "1", "--num-predict", "12"};
        String fromGguf = runModel("stories:260k", options);
        assertThat(fromGguf).isNotBlank().isEqualTo(runModel(Stories260K.directory().toString(), options));
    }

    private String runModel(String model, String... options) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new RunCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        String[] args = Stream.concat(Stream.of(model), Stream.concat(Stream.of(options), Stream.of("--home", home.toString())))
                .toArray(String[]::new);
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void errorsAreOneLine() {
        Result missing = run(Map.of(), "--ollama", ollama.toString(), "nope");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("Error: no model registry.ollama.ai/library/nope:latest in the Ollama models directory\n");
        Result noName = run(Map.of(), "--ollama", ollama.toString(), "a/b/c/d");
        assertThat(noName.err()).isEqualTo("Error: 'a/b/c/d' is not an Ollama model name ([host/][namespace/]name[:tag])\n");
    }

    private Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        boolean store = args[0].equals("show") || args[0].equals("list");
        Object command = args[0].equals("show") ? new ShowCommand() : args[0].equals("list") ? new ListCommand() : new ImportCommand();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        String[] rest = store ? Stream.of(args).skip(1).toArray(String[]::new) : args;
        if (command instanceof ImportCommand c) c.home.environment = env;
        String[] withHome = Stream.concat(Stream.of(rest), Stream.of("--home", home.toString())).toArray(String[]::new);
        int exitCode = commandLine.execute(withHome);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
