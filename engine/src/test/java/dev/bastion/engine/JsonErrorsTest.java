package dev.bastion.engine;

import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file that is not JSON (a key, a password) must not be quoted back in the error that says so. */
class JsonErrorsTest {

    static final String SECRET = "c2VjcmV0LWtleQ";

    @TempDir
    Path dir;

    @Test
    void parseErrorsGiveThePositionNotTheContent() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "\n  " + SECRET);
        assertThatThrownBy(() -> ModelConfig.read(file)).hasMessage(file + ": not valid JSON at line 2, column 3");
        assertThatThrownBy(() -> Tokenizer.fromJson(SECRET)).hasMessageNotContaining(SECRET).hasMessageContaining("not valid JSON at line 1");
        assertThatThrownBy(() -> TokenizerConfig.parse("{\"a\": " + SECRET + "}")).hasMessageNotContaining(SECRET)
                .hasMessageContaining("not valid JSON at line 1");
        assertThatThrownBy(() -> TokenizerConfig.parse("{\"add_bos_token\": \"" + SECRET + "\"}")).hasMessageNotContaining(SECRET)
                .hasMessageContaining("add_bos_token: expected true or false but found string");
    }
}
