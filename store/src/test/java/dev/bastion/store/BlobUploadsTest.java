package dev.bastion.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlobUploadsTest {

    @TempDir
    Path tmp;

    private static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aModelUploadedFileByFileImportsAsFromItsDirectory() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("home"));
        Path model = TinyModelDirectory.write(tmp.resolve("model"), 1);
        Map<String, String> files = new LinkedHashMap<>();
        try (var list = Files.list(model)) {
            for (Path f : list.toList()) {
                byte[] bytes = Files.readAllBytes(f);
                String d = digest(bytes);
                assertThat(store.uploads().has(d)).isFalse();
                assertThat(store.uploads().put(d, new ByteArrayInputStream(bytes), 1 << 30)).isEqualTo(bytes.length);
                assertThat(store.uploads().has(d)).isTrue();
                files.put(f.getFileName().toString(), d);
            }
        }
        store.collectGarbage();
        assertThat(store.uploads().has(files.get("config.json"))).as("uploads survive garbage collection").isTrue();
        store.importUploads(ModelName.parse("uploaded"), files, null);
        store.importDirectory(model, ModelName.parse("direct"), null);
        assertThat(store.show(ModelName.parse("uploaded")).parameterCount()).isEqualTo(store.show(ModelName.parse("direct")).parameterCount());
        assertThat(store.manifest(ModelName.parse("uploaded")).orElseThrow().allLayers())
                .isEqualTo(store.manifest(ModelName.parse("direct")).orElseThrow().allLayers());
        try (var left = Files.list(tmp.resolve("home/uploads"))) {
            assertThat(left).as("the uploads were consumed, no staging directory left").isEmpty();
        }
    }

    @Test
    void hostileUploadsLeaveNothingBehind() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("home"));
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        String right = digest(body);
        String wrong = digest("other".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.uploads().put(wrong, new ByteArrayInputStream(body), 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("digest mismatch");
        assertThatThrownBy(() -> store.uploads().put(right, new ByteArrayInputStream(body), 4))
                .isInstanceOf(BlobUploads.BlobTooLargeException.class);
        for (String bad : List.of("sha256:../../etc/passwd", "sha256:" + "A".repeat(64), "md5:abc", "", "sha256:" + "0".repeat(63),
                "sha256:" + "0".repeat(64) + "/x", "sha256:" + "0".repeat(64) + "\n")) {
            assertThatThrownBy(() -> store.uploads().put(bad, new ByteArrayInputStream(body), 100)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("\n");
            assertThatThrownBy(() -> store.uploads().has(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        try (var left = Files.list(tmp.resolve("home/uploads"))) {
            assertThat(left).as("nothing kept of refused uploads").isEmpty();
        }
        store.uploads().put(right, new ByteArrayInputStream(body), 100);
        for (Map<String, String> files : List.of(Map.of("config.json", right, "../evil.json", right),
                Map.of("config.json", right, "/etc/passwd", right), Map.of("config.json", wrong),
                Map.of("config.json", "sha256:nope"), Map.of("model.gguf", right), Map.of("tokenizer.json", right),
                Map.of("config.json", right))) {
            assertThatThrownBy(() -> store.importUploads(ModelName.parse("x"), files, null)).as(files.toString())
                    .isInstanceOf(IOException.class);
        }
        assertThat(store.list()).isEmpty();
        assertThat(tmp.resolve("evil.json")).doesNotExist();
        assertThat(store.uploads().has(right)).as("a failed create leaves the uploads for the next attempt").isTrue();
        assertThatThrownBy(() -> store.importUploads(ModelName.parse("x"), Map.of("model.gguf", right), null))
                .hasMessageContaining("GGUF");
    }
}
