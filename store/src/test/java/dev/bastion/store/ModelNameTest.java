package dev.bastion.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelNameTest {

    @Test
    void defaultsNamespaceAndTag() {
        assertThat(ModelName.parse("llama3")).isEqualTo(new ModelName("library", "llama3", "latest"));
        assertThat(ModelName.parse("alice/qwen2.5-coder:0.5B_q8")).isEqualTo(new ModelName("alice", "qwen2.5-coder", "0.5B_q8"));
    }

    @Test
    void toStringIsTheShortCanonicalForm() {
        assertThat(ModelName.parse("library/llama3")).hasToString("llama3:latest");
        assertThat(ModelName.parse("alice/mine:v1")).hasToString("alice/mine:v1");
        assertThat(ModelName.parse(ModelName.parse("alice/mine:v1").toString())).isEqualTo(ModelName.parse("alice/mine:v1"));
    }

    @Test
    void aUserNamespaceIsANamespaceOtherThanTheSharedOne() {
        assertThat(ModelName.isUserNamespace("alice")).isTrue();
        assertThat(ModelName.isUserNamespace("bob.smith_2-x")).isTrue();
        for (String notOne : new String[] {"library", "Alice", "a..b", "-x", ".x", "", "a/b", "a:b", "a".repeat(65), "ali\u0441e"}) {
            assertThat(ModelName.isUserNamespace(notOne)).as(notOne).isFalse();
        }
        assertThat(ModelName.isUserNamespace(null)).isFalse();
    }

    @Test
    void onlyANameWithASlashNamesItsNamespace() {
        assertThat(ModelName.isQualified("alice/mine:v1")).isTrue();
        assertThat(ModelName.isQualified("library/mine")).isTrue();
        assertThat(ModelName.isQualified("mine:v1")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "%2e%2e/x", "..%2fx", "/etc/passwd", "C:\\x", "a\\b", "x\u0000y", "a/b/c", "", "a..b",
            "a/../b", "./x", "x/", "/x", "x:", ":tag", "a:b:c", "ns:x/y", "lIama\u0131", "\u212Aelvin", "llаma", "ｌlama", "x\ny",
            "x\ty", "x y", "-x", ".x", "x:.tag", "x:-tag", "x/y:..", "~/x", "x$y", "x;rm"})
    void hostileNamesAreRefused(String hostile) {
        assertThatThrownBy(() -> ModelName.parse(hostile)).isInstanceOf(InvalidModelNameException.class)
                .message().doesNotContain("\u0000").doesNotContain("\n");
    }

    @Test
    void namespacesAndNamesAreMatchedCaseInsensitivelyAsOllamaDoes() {
        assertThat(ModelName.parse("Llama3")).isEqualTo(ModelName.parse("llama3"));
        assertThat(ModelName.parse("Alice/Qwen2.5:0.5B")).isEqualTo(new ModelName("alice", "qwen2.5", "0.5B"));
        assertThat(ModelName.parse("LIBRARY/X")).hasToString("x:latest");
    }

    @Test
    void overLongNamesAreRefused() {
        assertThatThrownBy(() -> ModelName.parse("a".repeat(300))).isInstanceOf(InvalidModelNameException.class)
                .hasMessageContaining("200");
        assertThatThrownBy(() -> ModelName.parse("a".repeat(65))).isInstanceOf(InvalidModelNameException.class);
        assertThat(ModelName.parse("a".repeat(64) + ":" + "T".repeat(128)).tag()).hasSize(128);
    }

    @Test
    void theConstructorValidatesToo() {
        assertThatThrownBy(() -> new ModelName("..", "x", "latest")).isInstanceOf(InvalidModelNameException.class);
        assertThatThrownBy(() -> new ModelName("library", "x", "../../etc")).isInstanceOf(InvalidModelNameException.class);
        assertThatThrownBy(() -> new ModelName("library", null, "latest")).isInstanceOf(InvalidModelNameException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "%2e%2e/x", "/etc/passwd", "a\\b", "x\u0000y", "a/b/c", "a/../b"})
    void hostileNamesCreateNothingOnDisk(String hostile, @TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("home"));
        Path model = TinyModelDirectory.write(tmp.resolve("src"), 1);
        Path[] before = snapshot(tmp);
        assertThatThrownBy(() -> store.importDirectory(model, ModelName.parse(hostile), null))
                .isInstanceOf(InvalidModelNameException.class);
        assertThat(snapshot(tmp)).containsExactly(before);
    }

    private static Path[] snapshot(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toArray(Path[]::new);
        }
    }
}
