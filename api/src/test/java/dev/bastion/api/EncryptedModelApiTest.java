package dev.bastion.api;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.KeyEncryptionKey;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.StoreEncryption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/create} with {@code encrypt}, generation from the encrypted model, and a server with the wrong secret. */
class EncryptedModelApiTest {

    @TempDir
    Path tmp;

    static final String GENERATE = "{\"model\":\"tiny\",\"prompt\":\"Once upon a time\",\"stream\":false,"
            + "\"options\":{\"temperature\":0,\"num_predict\":12,\"seed\":1}}";

    @Test
    void anEncryptedUploadGeneratesAsThePlainOneAndAWrongSecretIsACleanError() throws Exception {
        Path model = TinyModelFixture.tinyModel(tmp.resolve("model"), Architecture.LLAMA);
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        byte[] pattern = Arrays.copyOfRange(weights, weights.length / 2, weights.length / 2 + 64);
        KeyEncryptionKey key = KeyEncryptionKey.of(new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

        String plainText = createAndGenerate(new ModelStore(tmp.resolve("plain")), model, false);
        Path home = tmp.resolve("encrypted");
        String encryptedText = createAndGenerate(new ModelStore(home, new StoreEncryption(key, false)), model, true);
        assertThat(encryptedText).isEqualTo(plainText).isNotEmpty();
        assertThat(containing(tmp.resolve("plain"), pattern)).isTrue();
        assertThat(containing(home, pattern)).isFalse();

        // the same home served with another secret: a 500 naming the model, nothing about keys, paths or stacks
        ModelStore wrong = new ModelStore(home, new StoreEncryption(KeyEncryptionKey.of(new byte[32]), false));
        try (BastionServer server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)),
                new StoreCatalog(wrong), Runtimes.LOADER).start()) {
            TestHttp.Response r = new TestHttp(server.baseUrl()).post("/api/generate", GENERATE);
            assertThat(r.status()).as(r.body()).isEqualTo(500);
            assertThat(r.json().get("error").asText()).startsWith("model 'tiny:latest' cannot be loaded")
                    .doesNotContain(home.toString()).doesNotContain("sha256").doesNotContain("Exception");
        }

        // the right secret, a byte of the weights flipped on disk: the chunk fails as the engine maps it, same clean error
        ModelStore right = new ModelStore(home, new StoreEncryption(key, false));
        String hex = right.manifest(ModelName.parse("tiny")).orElseThrow().layer(dev.bastion.store.LayerType.WEIGHTS).orElseThrow().hex();
        Path blob = home.resolve("blobs/sha256-" + hex);
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        blob.toFile().setWritable(true);
        Files.write(blob, bytes);
        try (BastionServer server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)),
                new StoreCatalog(right), Runtimes.LOADER).start()) {
            TestHttp.Response r = new TestHttp(server.baseUrl()).post("/api/generate", GENERATE);
            assertThat(r.status()).as(r.body()).isEqualTo(500);
            assertThat(r.json().get("error").asText()).startsWith("model 'tiny:latest' cannot be loaded").doesNotContain("sha256");
        }
    }

    private String createAndGenerate(ModelStore store, Path model, boolean encrypt) throws Exception {
        try (BastionServer server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)),
                new StoreCatalog(store), Runtimes.LOADER).start()) {
            TestHttp http = new TestHttp(server.baseUrl());
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> list = Files.list(model)) {
                for (Path f : list.toList()) {
                    byte[] bytes = Files.readAllBytes(f);
                    String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                    assertThat(http.post("/api/blobs/" + digest, bytes).status()).isEqualTo(201);
                    files.put(f.getFileName().toString(), digest);
                }
            }
            TestHttp.Response created = http.post("/api/create", JsonFields.MAPPER.writeValueAsString(
                    Map.of("model", "tiny", "files", files, "stream", false, "encrypt", encrypt)));
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            assertThat(store.isEncrypted(ModelName.parse("tiny"))).isEqualTo(encrypt);
            // a model created from it with encrypt stays encrypted, and so does its base
            TestHttp.Response copy = http.post("/api/create", "{\"model\":\"brief\",\"from\":\"tiny\",\"system\":\"Be brief.\","
                    + "\"stream\":false,\"encrypt\":" + encrypt + "}");
            assertThat(copy.status()).as(copy.body()).isEqualTo(200);
            assertThat(store.isEncrypted(ModelName.parse("brief"))).isEqualTo(encrypt);
            TestHttp.Response generated = http.post("/api/generate", GENERATE);
            assertThat(generated.status()).as(generated.body()).isEqualTo(200);
            return generated.json().get("response").asText();
        }
    }

    private static boolean containing(Path root, byte[] pattern) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                outer:
                for (int i = 0; i + pattern.length <= bytes.length; i++) {
                    for (int j = 0; j < pattern.length; j++) if (bytes[i + j] != pattern[j]) continue outer;
                    return true;
                }
            }
        }
        return false;
    }
}
