package dev.bastion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code create --encrypt}, {@code run} on an encrypted model, {@code secret rotate}, and the home's switch. */
class EncryptionCommandsTest {

    @TempDir
    Path tmp;

    @Test
    void anEncryptedModelRunsAsThePlainOneAndSurvivesARotation() throws Exception {
        Path plainHome = tmp.resolve("plain");
        Path home = tmp.resolve("encrypted");
        assertThat(CliRun.run(plainHome, new CreateCommand(), "tiny", "--generate", "llama").exit()).isZero();
        CliRun created = CliRun.run(home, new CreateCommand(), "tiny", "--generate", "llama", "--encrypt");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("encrypted");

        byte[] pattern = weightPattern();
        assertThat(filesContaining(plainHome, pattern)).isNotEmpty();
        assertThat(filesContaining(home, pattern)).isEmpty();

        String expected = run(plainHome, Map.of(), "tiny", "Once upon a time", "--temperature", "0", "--num-predict", "12");
        String actual = run(home, Map.of(), "tiny", "Once upon a time", "--temperature", "0", "--num-predict", "12");
        assertThat(actual).isEqualTo(expected).isNotBlank();

        // rotate: the new secret comes from a file named by the environment, never from the command line
        Map<String, String> blobsBefore = hashes(home.resolve("blobs"));
        Path newKey = tmp.resolve("new.key");
        byte[] secret = new byte[32];
        new Random(5).nextBytes(secret);
        Files.writeString(newKey, Base64.getEncoder().encodeToString(secret) + "\n");
        SecretCommand.Rotate rotate = new SecretCommand.Rotate();
        CommandLine rotateLine = new CommandLine(rotate);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        rotateLine.setOut(new PrintWriter(out));
        rotateLine.setErr(new PrintWriter(err));
        rotate.home.environment = Map.of(ModelSecret.ENV_NEW_KEY_FILE, newKey.toString());
        assertThat(rotateLine.execute("--home", home.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("re-wrapped 5 data key(s)");
        assertThat(hashes(home.resolve("blobs"))).isEqualTo(blobsBefore);
        assertThat(Files.getPosixFilePermissions(home.resolve("models.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(run(home, Map.of(), "tiny", "Once upon a time", "--temperature", "0", "--num-predict", "12")).isEqualTo(expected);

        // the old secret alone opens nothing any more: a clean one-line error naming the model
        Files.move(home.resolve("models.key"), tmp.resolve("models.key.aside"));
        StringWriter runErr = new StringWriter();
        int exit = execute(home, Map.of(), runErr, "tiny", "hi");
        assertThat(exit).isEqualTo(1);
        assertThat(runErr.toString()).contains("model 'tiny:latest' cannot be decrypted").contains("wrong server secret")
                .doesNotContain("Exception").doesNotContain("\tat ");
        Files.move(tmp.resolve("models.key.aside"), home.resolve("models.key"));

        // without the variable, rotate only finishes (nothing to do here) and says so
        SecretCommand.Rotate finish = new SecretCommand.Rotate();
        CommandLine finishLine = new CommandLine(finish);
        StringWriter finishOut = new StringWriter();
        finishLine.setOut(new PrintWriter(finishOut));
        finish.home.environment = Map.of();
        assertThat(finishLine.execute("--home", home.toString())).isZero();
        assertThat(finishOut.toString()).contains("wrapped under the current secret only");

        // run again the same way (as after a crash once the secret was installed): it finishes, it does not fail
        SecretCommand.Rotate again = new SecretCommand.Rotate();
        CommandLine againLine = new CommandLine(again);
        StringWriter againOut = new StringWriter();
        againLine.setOut(new PrintWriter(againOut));
        again.home.environment = Map.of(ModelSecret.ENV_NEW_KEY_FILE, newKey.toString());
        assertThat(againLine.execute("--home", home.toString())).isZero();
        assertThat(againOut.toString()).contains("wrapped under the current secret only");
        assertThat(hashes(home.resolve("blobs"))).isEqualTo(blobsBefore);
    }

    @Test
    void theHomeSwitchEncryptsEveryImportAndATypoIsAnError() throws Exception {
        Path home = tmp.resolve("home");
        Path model = tmp.resolve("model");
        GenerateTinyCommand.generate(model, "llama", 42);
        ImportCommand importCommand = new ImportCommand();
        CommandLine line = new CommandLine(importCommand);
        StringWriter err = new StringWriter();
        line.setErr(new PrintWriter(err));
        importCommand.home.environment = Map.of(ModelSecret.ENV_ENCRYPT, "on");
        assertThat(line.execute(model.toString(), "--name", "tiny", "--home", home.toString())).as(err.toString()).isZero();
        assertThat(filesContaining(home, weightPattern())).isEmpty();
        assertThat(Files.exists(home.resolve("secret.key"))).as("made as the server would on a fresh home").isTrue();

        ImportCommand typo = new ImportCommand();
        CommandLine typoLine = new CommandLine(typo);
        StringWriter typoErr = new StringWriter();
        typoLine.setErr(new PrintWriter(typoErr));
        typo.home.environment = Map.of(ModelSecret.ENV_ENCRYPT, "yes please");
        assertThat(typoLine.execute(model.toString(), "--name", "other", "--home", home.toString())).isEqualTo(1);
        assertThat(typoErr.toString()).contains("BASTION_ENCRYPT_MODELS must be on or off");
    }

    private String run(Path home, Map<String, String> env, String... args) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        RunCommand command = new RunCommand(new ByteArrayInputStream(new byte[0]));
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(out));
        line.setErr(new PrintWriter(err));
        command.home.environment = new HashMap<>(env);
        String[] withHome = Stream.concat(Stream.of(args), Stream.of("--home", home.toString())).toArray(String[]::new);
        assertThat(line.execute(withHome)).as(err.toString()).isZero();
        return out.toString().lines().filter(l -> !l.startsWith("prompt tokens:")).reduce("", (a, b) -> a + b + "\n");
    }

    private int execute(Path home, Map<String, String> env, StringWriter err, String... args) {
        RunCommand command = new RunCommand(new ByteArrayInputStream(new byte[0]));
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(new StringWriter()));
        line.setErr(new PrintWriter(err, true));
        command.home.environment = new HashMap<>(env);
        return line.execute(Stream.concat(Stream.of(args), Stream.of("--home", home.toString())).toArray(String[]::new));
    }

    /** 64 bytes from the middle of the weights {@code create --generate llama} writes (seed 42). */
    private byte[] weightPattern() throws IOException {
        Path dir = tmp.resolve("reference");
        if (!Files.exists(dir)) GenerateTinyCommand.generate(dir, "llama", 42);
        byte[] weights = Files.readAllBytes(dir.resolve("model.safetensors"));
        return Arrays.copyOfRange(weights, weights.length / 2, weights.length / 2 + 64);
    }

    private static List<Path> filesContaining(Path root, byte[] pattern) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    byte[] bytes = Files.readAllBytes(f);
                    outer:
                    for (int i = 0; i + pattern.length <= bytes.length; i++) {
                        for (int j = 0; j < pattern.length; j++) if (bytes[i + j] != pattern[j]) continue outer;
                        return true;
                    }
                    return false;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                hashes.put(f.getFileName().toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return hashes;
    }
}
