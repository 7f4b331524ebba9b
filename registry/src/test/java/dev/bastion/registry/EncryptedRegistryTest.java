package dev.bastion.registry;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.KeyEncryptionKey;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.StoreEncryption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encrypted homes on the registry: what leaves a store is the plaintext its digests name (served and pushed decrypted),
 * and what a home with {@code BASTION_ENCRYPT_MODELS=on} pulls is stored encrypted.
 */
class EncryptedRegistryTest {

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;

    @Test
    void encryptedHomesServePullAndPushPlaintextAndKeepOnlyCiphertext() throws Exception {
        Path tiny = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA);
        byte[] weights = Files.readAllBytes(tiny.resolve("model.safetensors"));
        byte[] pattern = Arrays.copyOfRange(weights, weights.length / 2, weights.length / 2 + 64);

        try (Node a = new Node(homeA, Map.of(), 1)) {
            Manifest original = a.store.importDirectory(tiny, ModelName.parse("alice/tiny"), "alice");
            assertThat(containing(homeA, pattern)).isFalse();
            // a range of the weights blob, served in clear from the middle of an encrypted chunk
            HttpResponse<byte[]> range = a.get("alice", "/v2/alice/tiny/blobs/" + original.layer(dev.bastion.store.LayerType.WEIGHTS)
                    .orElseThrow().digest(), "Range", "bytes=1000-1999");
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(weights, 1000, 2000));

            try (Node b = new Node(homeB, Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("alice")), 2)) {
                HttpResponse<String> pulled = b.post("/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true,\"stream\":false}");
                assertThat(pulled.statusCode()).as(pulled.body()).isEqualTo(200);
                // B verified every blob against its digest before storing it encrypted: A sent plaintext
                assertThat(b.store.manifest(ModelName.parse("alice/tiny")).orElseThrow().allLayers()).isEqualTo(original.allLayers());
                assertThat(b.store.isEncrypted(ModelName.parse("alice/tiny"))).isTrue();
                assertThat(containing(homeB, pattern)).as("nothing in clear, transfers included").isFalse();
                assertThat(b.store.verify().problems()).isEmpty();

                // and back: B pushes its encrypted copy under another name; A checks each blob's digest on upload
                b.store.copy(ModelName.parse("alice/tiny"), ModelName.parse("alice/again"), "alice");
                HttpResponse<String> pushed = b.post("/api/push", "{\"model\":\"" + a.hostPort() + "/alice/again\",\"insecure\":true,\"stream\":false}");
                assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
                assertThat(a.store.manifest(ModelName.parse("alice/again")).orElseThrow().allLayers()).isEqualTo(original.allLayers());
                assertThat(a.store.verify().problems()).isEmpty();
                assertThat(containing(homeA, pattern)).isFalse();
            }
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

    /** A server on loopback whose store encrypts every blob (its own key), with the registry module; alice and root. */
    private static final class Node implements AutoCloseable {
        final ModelStore store;
        final BastionServer server;
        final Map<String, String> keys = new java.util.HashMap<>();
        private final HttpClient http = HttpClient.newHttpClient();

        Node(Path home, Map<String, String> env, long seed) throws IOException {
            byte[] key = new byte[32];
            new Random(seed).nextBytes(key);
            store = new ModelStore(home, new StoreEncryption(KeyEncryptionKey.of(key), true));
            SecurityServices services = SecurityServices.open(home, Map.of());
            services.users().create("alice", Role.USER);
            services.users().create("root", Role.ADMIN);
            SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0), services.keys(), services.audit());
            ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)));
            RegistryModule registry = new RegistryModule(store, config.modelAccess(), config.modelAudit(), RegistryLimits.DEFAULTS, env);
            server = new BastionServer(config.withModule(registry), new StoreCatalog(store),
                    (dir, format) -> { throw new UnsupportedOperationException("no inference here"); }).start();
            keys.put("alice", services.keys().create("alice", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE), null, null).secret());
            keys.put("root", services.keys().create("root", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE, Scope.ADMIN), null, null).secret());
        }

        String hostPort() {
            return URI.create(server.baseUrl()).getAuthority();
        }

        HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + keys.get("alice"))
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<byte[]> get(String user, String path, String... headers) throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + keys.get(user))
                    .headers(headers).build(), HttpResponse.BodyHandlers.ofByteArray());
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
