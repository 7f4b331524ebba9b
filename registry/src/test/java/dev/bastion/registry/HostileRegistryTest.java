package dev.bastion.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bastion.store.Layer;
import dev.bastion.store.LayerType;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A registry that lies: each answer is scripted per path. Every hostile answer is refused or cut in bounded time, the
 * store holds no model afterwards, and nothing is written outside the store's blob and transfer directories.
 */
class HostileRegistryTest {

    @TempDir Path root;
    Path home;
    ModelStore store;
    HttpServer server;
    final Map<String, Handler> routes = new ConcurrentHashMap<>();
    final List<String> requested = new CopyOnWriteArrayList<>();

    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    static final RegistryLimits FAST = new RegistryLimits(4L << 20, 64, 1L << 30, Duration.ofSeconds(2), 64 << 10);

    @BeforeEach
    void start() throws IOException {
        home = Files.createDirectories(root.resolve("home"));
        store = new ModelStore(home);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            requested.add(path);
            Handler h = routes.get(path);
            try (exchange) {
                if (h == null) exchange.sendResponseHeaders(404, -1);
                else h.handle(exchange);
            } catch (IOException e) {
                // the client hung up: expected when it cuts a hostile answer
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Reference ref(String name) {
        return Reference.parse("127.0.0.1:" + server.getAddress().getPort() + "/" + name);
    }

    private void pull(String name, RegistryLimits limits) throws IOException {
        new RegistryClient(limits, RegistryCredentials.NONE, true)
                .pull(ref(name), store, ModelName.parse(name), null, Progress.NONE, RegistryClient.SignatureCheck.NONE);
    }

    private static Handler answer(int status, byte[] body, String... headers) {
        return exchange -> {
            for (int i = 0; i < headers.length; i += 2) exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A manifest of a config blob and one weights layer with the given declared digest and size. */
    private byte[] manifest(byte[] config, String weightsDigest, long weightsSize, String title) throws Exception {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + OciManifest.OCI + "\",\"config\":{\"mediaType\":\""
                + LayerType.CONFIG.mediaType() + "\",\"digest\":\"" + sha256(config) + "\",\"size\":" + config.length
                + ",\"annotations\":{\"org.opencontainers.image.title\":\"config.json\"}},\"layers\":[{\"mediaType\":\""
                + LayerType.WEIGHTS.mediaType() + "\",\"digest\":\"" + weightsDigest + "\",\"size\":" + weightsSize
                + ",\"annotations\":{\"org.opencontainers.image.title\":\"" + title + "\"}}]}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private void serveBlob(String repository, byte[] content, String digest) {
        routes.put("/v2/" + repository + "/blobs/" + digest, answer(200, content));
    }

    /** Nothing became a model, and every file written is inside the store's blob or transfer directory. */
    private void assertNothingStoredOrEscaped() throws IOException {
        assertThat(store.list()).isEmpty();
        try (var all = Files.walk(root)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                Path rel = home.relativize(p);
                assertThat(rel.toString()).doesNotStartWith("..");
                assertThat(rel.getName(0).toString()).isIn("transfers", ".lock", "blobs");
            }
        }
        try (var blobs = Files.list(home.resolve("blobs"))) {
            assertThat(blobs.toList()).isEmpty();
        }
    }

    @Test
    void aBlobThatHashesToSomethingElseIsRefused() throws Exception {
        byte[] config = "{}".getBytes();
        byte[] claimed = "the real weights".getBytes();
        byte[] sent = "other weights!!!".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, sha256(claimed), claimed.length, "model.safetensors")));
        serveBlob("x/m", config, sha256(config));
        serveBlob("x/m", sent, sha256(claimed));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("does not match its digest");
        assertNothingStoredOrEscaped();
        String hex = sha256(claimed).substring(7);
        try (var t = Files.list(home.resolve("transfers"))) {
            assertThat(t.map(p -> p.getFileName().toString()).toList()).noneMatch(n -> n.contains(hex));
        }
    }

    @Test
    void anOversizedManifestIsRefusedWhileItIsRead() throws Exception {
        byte[] huge = new byte[(4 << 20) + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        routes.put("/v2/x/m/manifests/latest", answer(200, huge));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("bytes");
        // no Content-Length: the cap holds while streaming too
        routes.put("/v2/x/m/manifests/latest", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 5; i++) out.write(new byte[1 << 20]);
            }
        });
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("more than");
        assertNothingStoredOrEscaped();
    }

    @Test
    void aLayerClaimingATerabyteIsRefusedBeforeAnyBlobIsFetched() throws Exception {
        byte[] config = "{}".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, "sha256:" + "a".repeat(64), 1L << 40, "model.safetensors")));
        serveBlob("x/m", config, sha256(config));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("declares " + (1L << 40));
        // within the cap but beyond the free disk: refused up front as well
        RegistryLimits roomy = new RegistryLimits(4L << 20, 64, Long.MAX_VALUE, Duration.ofSeconds(2), 64 << 10);
        assertThatThrownBy(() -> pull("x/m", roomy)).hasMessageContaining("are free");
        assertThat(requested).noneMatch(p -> p.contains("/blobs/"));
        assertNothingStoredOrEscaped();
    }

    @Test
    void traversalInDigestsFileNamesAndRepositoryNamesIsRefused() throws Exception {
        byte[] config = "{}".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, "sha256:../../../../evil", 4, "model.safetensors")));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("digest");
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, sha256("abcd".getBytes()), 4, "../../evil")));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("unsafe fileName");
        assertThatThrownBy(() -> Reference.parse("127.0.0.1:1/../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reference.parse("127.0.0.1:1/a/b:../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reference.parse("evil.host/../../x/y")).isInstanceOf(IllegalArgumentException.class);
        assertThat(requested).noneMatch(p -> p.contains("/blobs/"));
        assertNothingStoredOrEscaped();
        assertThat(Files.exists(root.resolve("evil"))).isFalse();
    }

    @Test
    void aRedirectToAnotherHostIsRefusedAndOneToTheSameHostFollowed() throws Exception {
        byte[] config = "{}".getBytes();
        byte[] weights = "weights".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, sha256(weights), weights.length, "model.safetensors")));
        routes.put("/v2/x/m/blobs/" + sha256(config), answer(307, new byte[0], "Location", "/elsewhere/config"));
        routes.put("/elsewhere/config", answer(200, config));
        int port = server.getAddress().getPort();
        routes.put("/v2/x/m/blobs/" + sha256(weights), answer(307, new byte[0], "Location", "http://127.0.0.2:" + port + "/stolen"));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("another host");
        assertThat(requested).contains("/elsewhere/config").doesNotContain("/stolen");
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aSlowDripIsCutInBoundedTime() throws Exception {
        byte[] config = "{}".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, "sha256:" + "b".repeat(64), 1 << 20, "model.safetensors")));
        serveBlob("x/m", config, sha256(config));
        routes.put("/v2/x/m/blobs/sha256:" + "b".repeat(64), exchange -> {
            exchange.sendResponseHeaders(200, 1 << 20);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 600; i++) {
                out.write('x');
                out.flush();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        RegistryLimits strict = new RegistryLimits(4L << 20, 64, 1L << 30, Duration.ofSeconds(1), 1 << 20);
        Instant started = Instant.now();
        assertThatThrownBy(() -> pull("x/m", strict)).hasMessageContaining("too slowly");
        assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(store.list()).isEmpty();
    }

    @Test
    void tooManyLayersAreRefused() throws Exception {
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            if (i > 0) layers.append(',');
            layers.append("{\"mediaType\":\"").append(LayerType.WEIGHTS.mediaType()).append("\",\"digest\":\"sha256:")
                    .append(String.format("%064x", i)).append("\",\"size\":1,\"annotations\":{\"org.opencontainers.image.title\":\"w")
                    .append(i).append("\"}}");
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + LayerType.CONFIG.mediaType() + "\",\"digest\":\"sha256:"
                + "c".repeat(64) + "\",\"size\":2},\"layers\":[" + layers + "]}").getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest));
        assertThatThrownBy(() -> pull("x/m", FAST)).hasMessageContaining("at most 64");
        assertNothingStoredOrEscaped();
    }

    @Test
    void aWellBehavedRegistryIsPulledForComparison() throws Exception {
        byte[] config = "{}".getBytes();
        byte[] weights = "weights".getBytes();
        routes.put("/v2/x/m/manifests/latest", answer(200, manifest(config, sha256(weights), weights.length, "model.safetensors")));
        serveBlob("x/m", config, sha256(config));
        serveBlob("x/m", weights, sha256(weights));
        pull("x/m", FAST);
        Manifest m = store.manifest(ModelName.parse("x/m")).orElseThrow();
        assertThat(m.layers()).extracting(Layer::fileName).containsExactly("model.safetensors");
    }
}
