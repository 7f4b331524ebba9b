package dev.bastion.cluster;

import static dev.bastion.cluster.NodeProcesses.await;
import static dev.bastion.cluster.NodeProcesses.freePort;
import static dev.bastion.cluster.NodeProcesses.read;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.TestPki;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.registry.signing.Ed25519Keys;
import dev.bastion.registry.signing.ModelSignatures;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.TrustStore;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.db.TestPostgres;
import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Replication with three real node processes on loopback and one throwaway PostgreSQL, every node under
 * {@code BASTION_REQUIRE_SIGNED=enforce} with the publisher's key in the shared trust store. Only C holds the models:
 * {@code tiny} (signed) and {@code plain} (unsigned). C is drained; a request to A for {@code tiny} makes placement ask
 * a node without a copy to pull it from C, and is answered once the copy is in; {@code plain} is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterPullTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TINY = "{\"model\":\"tiny\",\"prompt\":\"once upon a time\",\"stream\":false,"
            + "\"options\":{\"temperature\":0,\"seed\":1,\"num_predict\":12}}";

    @TempDir
    static Path dir;

    private static final Map<String, Node> nodes = new LinkedHashMap<>();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Map<String, String> env;
    private static ClusterCa ca;
    private static String aliceKey;
    private static String rootKey;
    private static String directAnswer;

    record Node(String name, Path home, int port, int nodePort, Process process) {
        String url() {
            return "http://127.0.0.1:" + port;
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        env = TestPostgres.shared().freshEnvironment(Files.createDirectories(dir.resolve("scratch")));
        SecurityServices setup = SecurityServices.open(dir.resolve("setup"), env);
        setup.users().create("alice", Role.USER);
        setup.users().create("root", Role.ADMIN);
        aliceKey = setup.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        rootKey = setup.keys().create("root", Set.of(Scope.MODELS_USE, Scope.ADMIN), null, "k").secret();
        KeyPair publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new TrustStore(setup.database()).add("acme", Ed25519Keys.toPem(publisher.getPublic()), "test", Instant.now());
        ca = TestPki.ca(dir.resolve("ca"));

        Path homeC = Files.createDirectories(dir.resolve("node-c"));
        ModelStore storeC = new ModelStore(homeC);
        storeC.importDirectory(TinyModelFixture.tinyModel(dir.resolve("tiny"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        TinyModelSpec base = TinyModelSpec.tiny(Architecture.LLAMA);
        TinyModelSpec other = new TinyModelSpec(base.hiddenSize(), base.intermediateSize(), base.layers() + 1, base.heads(),
                base.kvHeads(), base.vocabSize(), base.dtype(), base.tieEmbeddings(), base.llama3RopeScaling(), base.shards());
        storeC.importDirectory(TinyModelFixture.model(dir.resolve("plain"), Architecture.LLAMA, other), ModelName.parse("plain"), null);
        // large enough (about 50 MB) that a slowed-down copy of it can be cut by killing its holder
        TinyModelSpec large = new TinyModelSpec(512, 1376, 8, 8, 4, 0, DType.BF16, false, false, 1);
        storeC.importDirectory(TinyModelFixture.model(dir.resolve("big"), Architecture.LLAMA, large), ModelName.parse("big"), null);
        for (String signed : List.of("tiny", "big")) {
            String digest = SignatureGuard.manifestDigest(storeC.manifest(ModelName.parse(signed)).orElseThrow());
            storeC.putSignature(digest, ModelSignatures.sign(signed + ":latest", digest, publisher.getPrivate(),
                    publisher.getPublic(), Instant.now()));
        }

        List<String> names = List.of("node-a", "node-b", "node-c");
        Map<String, int[]> ports = new LinkedHashMap<>();
        List<String> members = new ArrayList<>();
        for (String name : names) {
            int[] p = {freePort(), freePort(), freePort()};
            ports.put(name, p);
            members.add("127.0.0.1:" + p[2]);
        }
        for (String name : names) {
            Path home = Files.createDirectories(dir.resolve(name));
            ca.issueNode(name, List.of("127.0.0.1"), home.resolve("cluster"));
            int[] p = ports.get(name);
            nodes.put(name, new Node(name, home, p[0], p[1], launch(home, p, String.join(",", members))));
        }
        for (Node node : nodes.values()) awaitReady(node);
        await(Duration.ofSeconds(60), () -> status("node-a").path("nodes").size() == 3, "3 nodes in A's view");
        // C's answer before it is drained: what a copy must answer too
        HttpResponse<String> direct = post("node-c", "/api/generate", TINY, aliceKey, "direct");
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
        directAnswer = JSON.readTree(direct.body()).path("response").asText();
        assertThat(directAnswer).isNotBlank();
    }

    @AfterAll
    static void stopCluster() {
        nodes.values().forEach(n -> n.process().destroyForcibly());
        for (Node n : nodes.values()) {
            read(n.home().resolve("node.log")).lines().filter(l -> l.contains("ERROR") || l.contains("WARN"))
                    .limit(15).forEach(l -> System.out.println(n.name() + ": " + l));
        }
    }

    @Test
    @Order(1)
    void aModelOnlyADrainedNodeHoldsIsPulledByAnotherNodeAndServedFromThere() throws Exception {
        assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-c\"}", rootKey, null).statusCode()).isEqualTo(200);
        await(Duration.ofSeconds(5), () -> field("node-a", "node-c", "draining"), "A sees C draining");

        long start = System.nanoTime();
        HttpResponse<String> routed = post("node-a", "/api/generate", TINY, aliceKey, "pull-req-1");
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("request answered after the pull in " + millis + " ms");
        assertThat(routed.statusCode()).as(routed.body()).isEqualTo(200);
        assertThat(JSON.readTree(routed.body()).path("response").asText()).isEqualTo(directAnswer);

        // the least loaded node without a copy, then by name: both idle, so A
        String digest = digestOf(nodes.get("node-c").home(), "tiny:latest").orElseThrow();
        assertThat(digestOf(nodes.get("node-a").home(), "tiny:latest")).contains(digest);
        assertThat(digestOf(nodes.get("node-b").home(), "tiny:latest")).as("one copy, not two").isEmpty();
        assertThat(audit("node-a")).anySatisfy(l -> assertThat(l).contains(Replicator.AUDIT_ACTION).contains("pull-req-1")
                .contains("\"source\":\"node-c\"").contains(registryDigest(nodes.get("node-c").home(), "tiny"))
                .contains("success").contains("tiny:latest"));
        assertThat(audit("node-a")).anySatisfy(l -> assertThat(l).contains(SignatureGuard.AUDIT_ACTION)
                .contains("\"verified\"").contains("tiny:latest"));
        // the drained holder served the registry reads to A, and no generation
        assertThat(audit("node-c")).anySatisfy(l -> assertThat(l).contains("model.pull").contains("node-a"));
        assertThat(audit("node-c")).noneSatisfy(l -> assertThat(l).contains("pull-req-1").contains("cluster.serve"));

        await(Duration.ofSeconds(5), () -> heldBy("node-b", "node-a").contains("tiny:latest"), "B sees A's copy");
        HttpResponse<String> viaB = post("node-b", "/api/generate", TINY, aliceKey, "pull-req-2");
        assertThat(viaB.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(viaB.body()).path("response").asText()).isEqualTo(directAnswer);
        assertThat(audit("node-a")).anySatisfy(l -> assertThat(l).contains("pull-req-2").contains("cluster.serve"));
        assertThat(audit("node-b")).noneSatisfy(l -> assertThat(l).contains(Replicator.AUDIT_ACTION));
    }

    @Test
    @Order(2)
    void anUnsignedModelIsRefusedUnderEnforceAuditedAndLeavesNothing() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> refused = post("node-a", "/api/generate", TINY.replace("\"tiny\"", "\"plain\""), aliceKey, "plain-req");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(JSON.readTree(refused.body()).path("error").asText()).contains("plain:latest").contains("refused")
                .contains("BASTION_REQUIRE_SIGNED=enforce").contains("not signed").doesNotContain("127.0.0.1");
        assertThat(millis).as("a clear answer, not a hang").isLessThan(30_000);
        String puller = audit("node-a").stream().anyMatch(l -> l.contains(Replicator.AUDIT_ACTION) && l.contains("plain"))
                ? "node-a" : "node-b";
        assertThat(audit(puller)).anySatisfy(l -> assertThat(l).contains(Replicator.AUDIT_ACTION).contains("plain-req")
                .contains("plain:latest").contains("failure").contains("\"source\":\"node-c\""));
        assertThat(audit(puller)).anySatisfy(l -> assertThat(l).contains(SignatureGuard.AUDIT_ACTION).contains("plain:latest")
                .contains("failure"));
        for (String name : List.of("node-a", "node-b")) {
            Path home = nodes.get(name).home();
            assertThat(digestOf(home, "plain:latest")).as(name + " stores nothing of it").isEmpty();
            Path transfers = home.resolve("transfers");
            if (Files.isDirectory(transfers)) {
                try (Stream<Path> left = Files.list(transfers)) {
                    assertThat(left.toList()).as("no partial blobs on " + name).isEmpty();
                }
            }
        }
        // asked again, refused again (not a stuck copy)
        assertThat(post("node-b", "/api/generate", TINY.replace("\"tiny\"", "\"plain\""), aliceKey, null).statusCode()).isEqualTo(403);
    }

    @Test
    @Order(3)
    void theRegistryOnTheNodePortIsForClusterPeersOnly() throws Exception {
        Node c = nodes.get("node-c");
        URI manifest = URI.create("https://127.0.0.1:" + c.nodePort() + "/v2/library/tiny/manifests/latest");
        // no client certificate, though trusting the cluster CA: no TLS connection at all
        SSLContext noCert = SSLContext.getInstance("TLSv1.3");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        noCert.init(null, tmf.getTrustManagers(), null);
        try (HttpClient anonymous = HttpClient.newBuilder().sslContext(noCert).build()) {
            assertThatThrownBy(() -> anonymous.send(HttpRequest.newBuilder(manifest).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        ClusterIdentity rogue = TestPki.node(TestPki.ca(dir.resolve("rogue-ca")), "node-a", dir.resolve("rogue"));
        try (HttpClient stranger = HttpClient.newBuilder().sslContext(rogue.sslContext()).build()) {
            assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(manifest).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        // a peer reads; it writes nothing and reaches nothing else there
        ClusterIdentity peer = TestPki.node(ca, "node-x", dir.resolve("node-x"));
        String asPeer = ForwardedIdentity.encode(new dev.bastion.security.Principal(0, "node-x", Role.ADMIN,
                Set.of(Scope.MODELS_USE, Scope.ADMIN), null));
        try (HttpClient client = HttpClient.newBuilder().sslContext(peer.sslContext()).build()) {
            HttpResponse<String> read = client.send(HttpRequest.newBuilder(manifest).header(ForwardedIdentity.HEADER, asPeer)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.headers().firstValue("Docker-Content-Digest")).contains(registryDigest(c.home(), "tiny"));
            HttpResponse<String> write = client.send(HttpRequest.newBuilder(manifest).header(ForwardedIdentity.HEADER, asPeer)
                    .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(write.statusCode()).isEqualTo(404);
            HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + c.nodePort()
                    + "/v2/library/evil/blobs/uploads/")).header(ForwardedIdentity.HEADER, asPeer)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(404);
            HttpResponse<String> tags = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + c.nodePort()
                    + "/v2/../api/tags")).header(ForwardedIdentity.HEADER, asPeer).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tags.statusCode()).isIn(400, 404);
            // a peer's copy request with a hostile or unknown name: refused, nothing fetched
            URI ask = URI.create("https://127.0.0.1:" + c.nodePort() + Replication.PATH);
            for (String body : new String[] {"{\"model\":\"../../etc/passwd\"}", "not json", "{\"model\":42}"}) {
                HttpResponse<String> hostile = client.send(HttpRequest.newBuilder(ask).header(ForwardedIdentity.HEADER, asPeer)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(hostile.statusCode()).as(body).isEqualTo(400);
            }
            HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(ask).header(ForwardedIdentity.HEADER, asPeer)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"nobody-has:this\",\"from\":\"node-a\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(503);
            assertThat(unknown.body()).contains("no reachable node holds").doesNotContain("127.0.0.1");
        }
        // the copy endpoint is not on the public port, whatever the key
        HttpResponse<String> publicAsk = post("node-c", Replication.PATH, "{\"model\":\"tiny\",\"from\":\"node-a\"}", rootKey, null);
        assertThat(publicAsk.statusCode()).isEqualTo(404);
        assertThat(publicAsk.body()).doesNotContain("node-a");
    }

    @Test
    @Order(4)
    void aHolderDyingMidCopyLeavesNoPartialBlobsAndTheClientAClearError() throws Exception {
        Node c = nodes.get("node-c");
        Files.writeString(c.home().resolve("serve-bytes-per-second"), Integer.toString(2 << 20));
        Thread.sleep(500);
        var response = http.sendAsync(HttpRequest.newBuilder(URI.create(nodes.get("node-a").url() + "/api/generate"))
                .header("Authorization", "Bearer " + aliceKey).header("X-Request-Id", "big-req")
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString(TINY.replace("\"tiny\"", "\"big\""))).build(),
                HttpResponse.BodyHandlers.ofString());
        await(Duration.ofSeconds(30), () -> partialBytes("node-a") + partialBytes("node-b") > 0, "the copy under way");
        String puller = partialBytes("node-a") > 0 ? "node-a" : "node-b";
        c.process().destroyForcibly(); // SIGKILL mid-copy
        c.process().waitFor();
        HttpResponse<String> failed = response.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(502);
        assertThat(JSON.readTree(failed.body()).path("error").asText()).contains("big:latest").contains("could not be copied")
                .doesNotContain("127.0.0.1");
        assertThat(digestOf(nodes.get(puller).home(), "big:latest")).isEmpty();
        assertThat(partialBytes(puller)).as("partial blobs discarded").isZero();
        try (Stream<Path> left = Files.list(nodes.get(puller).home().resolve("transfers"))) {
            assertThat(left.toList()).isEmpty();
        }
        assertThat(audit(puller)).anySatisfy(l -> assertThat(l).contains(Replicator.AUDIT_ACTION).contains("big-req")
                .contains("big:latest").contains("failure").contains("\"source\":\"node-c\""));
    }

    /** Bytes of partial blobs in {@code node}'s transfer directory. */
    private static long partialBytes(String node) {
        Path transfers = nodes.get(node).home().resolve("transfers");
        if (!Files.isDirectory(transfers)) return 0;
        try (Stream<Path> files = Files.list(transfers)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    // --- helpers

    private static Optional<String> digestOf(Path home, String model) throws IOException {
        return new ModelStore(home).list().stream().filter(i -> i.name().toString().equals(model)).map(ModelInfo::digest).findFirst();
    }

    /** The digest the registry serves a stored model's manifest under (and its signature covers). */
    private static String registryDigest(Path home, String model) throws IOException {
        return SignatureGuard.manifestDigest(new ModelStore(home).manifest(ModelName.parse(model)).orElseThrow());
    }

    private static Process launch(Path home, int[] p, String members) throws IOException {
        Map<String, String> nodeEnv = new HashMap<>(env);
        nodeEnv.put("BASTION_REQUIRE_SIGNED", "enforce");
        nodeEnv.put("BASTION_CREDITS", "off"); // credits across nodes are ClusterNodesTest's
        nodeEnv.put(Replication.ENV_WAIT, "60");
        return NodeProcesses.launch(ReplicaNodeMain.class, home, p, members, nodeEnv);
    }

    private static void awaitReady(Node node) throws Exception {
        Path log = node.home().resolve("node.log");
        await(Duration.ofSeconds(90), () -> {
            if (!node.process().isAlive()) throw new AssertionError(node.name() + " exited: " + read(log));
            return read(log).contains("READY");
        }, node.name() + " listening");
    }

    private static HttpResponse<String> post(String node, String path, String body, String key, String requestId)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nodes.get(node).url() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) b.header("X-Request-Id", requestId);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode status(String node) {
        try {
            return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(nodes.get(node).url() + "/api/cluster/status"))
                    .header("Authorization", "Bearer " + rootKey).build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException | InterruptedException e) {
            return JSON.createObjectNode();
        }
    }

    private static Optional<JsonNode> nodeIn(String viewer, String node) {
        for (JsonNode n : status(viewer).path("nodes")) {
            if (n.path("name").asText().equals(node)) return Optional.of(n);
        }
        return Optional.empty();
    }

    private static boolean field(String viewer, String node, String field) {
        return nodeIn(viewer, node).map(n -> n.path(field).asBoolean()).orElse(false);
    }

    private static List<String> heldBy(String viewer, String node) {
        List<String> held = new ArrayList<>();
        nodeIn(viewer, node).ifPresent(n -> n.path("held").forEach(m -> held.add(m.asText())));
        return held;
    }

    private static List<String> audit(String node) throws IOException {
        return Files.readAllLines(nodes.get(node).home().resolve(dev.bastion.security.AuditLog.FILE_NAME));
    }
}
