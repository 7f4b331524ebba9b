package dev.bastion.cli;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GenerateTinyCommandTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cli = new CommandLine(new GenerateTinyCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void writesALoadableModelOfTheRequestedArchitecture() throws Exception {
        Path dir = tmp.resolve("qwen");
        assertThat(execute("--arch", "QWEN2", "--seed", "3", dir.toString())).isZero();
        assertThat(ModelConfig.read(dir.resolve("config.json")).architecture()).isEqualTo(Architecture.QWEN2);
        assertThat(dir.resolve("tokenizer.json")).exists();
        assertThat(out.toString()).contains("qwen2").contains(dir.toString());
    }

    @Test
    void theSeedDecidesTheWeights() throws Exception {
        execute("--arch", "llama", "--seed", "1", tmp.resolve("a").toString());
        execute("--arch", "llama", "--seed", "1", tmp.resolve("b").toString());
        execute("--arch", "llama", "--seed", "2", tmp.resolve("c").toString());
        byte[] a = Files.readAllBytes(tmp.resolve("a/model.safetensors"));
        assertThat(Files.readAllBytes(tmp.resolve("b/model.safetensors"))).isEqualTo(a);
        assertThat(Files.readAllBytes(tmp.resolve("c/model.safetensors"))).isNotEqualTo(a);
    }

    @Test
    void anUnknownArchitectureIsAClearError() {
        assertThat(execute("--arch", "gpt2", tmp.resolve("x").toString())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("bastion generate-tiny: unknown architecture 'gpt2'; choose one of llama, qwen2, mistral");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
