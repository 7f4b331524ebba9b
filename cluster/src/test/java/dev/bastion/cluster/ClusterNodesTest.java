package dev.bastion.cluster;

import static dev.bastion.cluster.NodeProcesses.await;
import static dev.bastion.cluster.NodeProcesses.freePort;
import static dev.bastion.cluster.NodeProcesses.read;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.TestPki;
import dev.bastion.credits.Accounts;
import dev.bastion.credits.Credits;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.credits.Ledger;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecretBox;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.db.TestPostgres;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Three real node processes on loopback sharing one throwaway PostgreSQL, certificates from a test cluster CA. Node A
 * holds no model, B holds {@code tiny}, C holds it and has it loaded: A's requests for it are served by C.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterNodesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long GRANTED = 1_000_000_000L;
    private static final String SHORT = "{\"model\":\"tiny\",\"prompt\":\"once upon a time\","
            + "\"options\":{\"temperature\":0,\"seed\":1,\"num_predict\":12}}";

    @TempDir
    static Path dir;

    private static final Map<String, Node> nodes = new LinkedHashMap<>();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Map<String, String> env;
    private static ClusterCa ca;
    private static String aliceKey;
    private static String rootKey;
    private static long aliceId;
    /** Each node's owner (BASTION_NODE_OWNER), who earns what the node charges less the network fee. */
    private static final Map<String, Long> owners = new HashMap<>();
    private static SecurityServices setup;

    record Node(String name, Path home, int port, int nodePort, int clusterPort, Process process) {
        String url() {
            return "http://127.0.0.1:" + port;
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        env = TestPostgres.shared().freshEnvironment(Files.createDirectories(dir.resolve("scratch")));
        setup = SecurityServices.open(dir.resolve("setup"), env);
        aliceId = setup.users().create("alice", Role.USER).id();
        setup.users().create("root", Role.ADMIN);
        for (String node : List.of("node-a", "node-b", "node-c")) {
            owners.put(node, setup.users().create("owner-" + node, Role.USER).id());
        }
        aliceKey = setup.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        rootKey = setup.keys().create("root", Set.of(Scope.MODELS_USE, Scope.ADMIN), null, "k").secret();
        try (Credits credits = credits()) {
            credits.ledger().grant(aliceId, GRANTED, "initial", "test", null);
        }
        ca = TestPki.ca(dir.resolve("ca"));
        // 8 layers of 512: slow enough that an unlimited generation is still streaming when its node is killed
        TinyModelSpec spec = new TinyModelSpec(512, 1376, 8, 8, 4, 0, DType.BF16, false, false, 1);
        Path model = TinyModelFixture.model(dir.resolve("model"), Architecture.LLAMA, spec);
        List<String> names = List.of("node-a", "node-b", "node-c");
        Map<String, int[]> ports = new HashMap<>();
        List<String> members = new ArrayList<>();
        for (String name : names) {
            int[] p = {freePort(), freePort(), freePort()};
            ports.put(name, p);
            members.add("127.0.0.1:" + p[2]);
        }
        for (String name : names) {
            Path home = Files.createDirectories(dir.resolve(name));
            if (!name.equals("node-a")) new ModelStore(home).importDirectory(model, ModelName.parse("tiny"), null);
            ca.issueNode(name, List.of("127.0.0.1"), home.resolve("cluster")); // BASTION_NODE_ADDRESS
            int[] p = ports.get(name);
            nodes.put(name, new Node(name, home, p[0], p[1], p[2], launch(home, p, String.join(",", members))));
        }
        for (Node node : nodes.values()) awaitReady(node);
        await(Duration.ofSeconds(60), () -> status("node-a").path("nodes").size() == 3, "3 nodes in A's view");
        // preload on C only (Ollama: an empty prompt loads the model)
        assertThat(post("node-c", "/api/generate", "{\"model\":\"tiny\"}", aliceKey, null).statusCode()).isEqualTo(200);
        await(Duration.ofSeconds(20), () -> loadedOn("node-a", "node-c").contains("tiny:latest"), "C's load seen by A");
    }

    @AfterAll
    static void stopCluster() {
        nodes.values().forEach(n -> n.process().destroyForcibly());
        // what went wrong inside the nodes, for the test report
        for (Node n : nodes.values()) {
            read(n.home().resolve("node.log")).lines().filter(l -> l.contains("ERROR") || l.contains("WARN"))
                    .limit(15).forEach(l -> System.out.println(n.name() + ": " + l));
        }
    }

    @Test
    @Order(1)
    void aRequestToAForAModelLoadedOnlyOnCIsServedByCAndStreamedThroughA() throws Exception {
        List<Long> arrivals = new ArrayList<>();
        List<JsonNode> routed = new ArrayList<>();
        HttpResponse<java.io.InputStream> response = http.send(request("node-a", "/api/generate", SHORT, aliceKey,
                "cluster-req-1"), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        assertThat(response.headers().firstValue("X-Request-Id")).contains("cluster-req-1");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                arrivals.add(System.nanoTime());
                routed.add(JSON.readTree(line));
            }
        }
        assertThat(routed).hasSizeGreaterThan(3);
        assertThat(routed.getLast().path("done").asBoolean()).isTrue();
        assertThat(arrivals.getLast() - arrivals.getFirst()).as("tokens arrive as generated, not in one piece")
                .isGreaterThan(Duration.ofMillis(5).toNanos());

        String direct = text(post("node-c", "/api/generate", SHORT, aliceKey, null).body());
        assertThat(text(routed)).isNotBlank().isEqualTo(direct);
        assertThat(loadedOn("node-b", "node-b")).as("B was not asked").isEmpty();
        await(Duration.ofSeconds(10), () -> field("node-a", "node-c", "tokens_per_second") > 0, "C's throughput seen by A");
        assertThat(field("node-a", "node-a", "tokens_per_second")).as("A generated nothing").isZero();
        assertThat(audit("node-a")).anySatisfy(l -> assertThat(l).contains("cluster-req-1").contains("cluster.forward")
                .contains("node-c"));
        assertThat(audit("node-c")).anySatisfy(l -> assertThat(l).contains("cluster-req-1").contains("cluster.serve")
                .contains("alice").contains("node-a"));
    }

    @Test
    @Order(2)
    void creditsAreChargedOnceInTheSharedLedgerAndTheServingNodesOwnerEarnsThem() throws Exception {
        long before;
        Map<String, Long> ownersBefore = new HashMap<>();
        long networkBefore;
        try (Credits credits = credits()) {
            before = credits.ledger().balanceOfUser(aliceId);
            owners.forEach((node, owner) -> ownersBefore.put(node, credits.ledger().balanceOfUser(owner)));
            networkBefore = credits.ledger().balance(Accounts.NETWORK);
        }
        HttpResponse<String> served = post("node-a", "/api/generate", SHORT.replace("}}", "}, \"stream\":false}"), aliceKey,
                "credit-req");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(audit("node-c")).anySatisfy(l -> assertThat(l).contains("credit-req").contains("cluster.serve"));
        try (Credits credits = credits()) {
            long spent = before - credits.ledger().balanceOfUser(aliceId);
            assertThat(spent).isPositive().isEqualTo(JSON.readTree(served.body()).path("credits_charged").asLong());
            // the default fee, 10%, rounded down; C's owner gets the rest, A's (which forwarded) and B's nothing
            long fee = spent * 1_000 / 10_000;
            assertThat(credits.ledger().balanceOfUser(owners.get("node-c")) - ownersBefore.get("node-c")).isEqualTo(spent - fee);
            assertThat(credits.ledger().balanceOfUser(owners.get("node-a"))).isEqualTo(ownersBefore.get("node-a"));
            assertThat(credits.ledger().balanceOfUser(owners.get("node-b"))).isEqualTo(ownersBefore.get("node-b"));
            assertThat(credits.ledger().balance(Accounts.NETWORK) - networkBefore).isEqualTo(fee);
            assertThat(credits.ledger().balance(Accounts.revenue("model:tiny:latest"))).isZero();
            assertThat(credits.ledger().history(Accounts.user(owners.get("node-c")), 1)).singleElement().satisfies(e -> {
                assertThat(e.label()).isEqualTo("earned");
                assertThat(e.node()).isEqualTo("node-c");
                assertThat(e.requestId()).isEqualTo("credit-req");
            });
            assertThat(credits.ledger().openReservations(aliceId)).isEmpty();
            assertThat(credits.ledger().verify().problems()).isEmpty();
        }
        assertThat(post("node-a", "/api/generate", SHORT, "bst_not-a-key", null).statusCode()).isEqualTo(401);
        // every node keeps its own audit chain on the shared database: none reads the others' records as a gap
        for (Node n : nodes.values()) {
            Map<String, String> own = new HashMap<>(env);
            own.put(ClusterSettings.ENV_NODE_NAME, n.name());
            assertThat(SecurityServices.verifyAudit(n.home(), own).describe()).as(n.name() + "'s audit chain").startsWith("ok");
            assertThat(read(n.home().resolve(dev.bastion.security.AuditLog.FILE_NAME))).doesNotContain("audit.gap");
            assertThat(read(n.home().resolve("node.log"))).doesNotContain("TAMPERED");
        }
    }

    @Test
    @Order(3)
    void serverSentEventsPassThroughEventByEvent() throws Exception {
        String body = "{\"model\":\"tiny\",\"stream\":true,\"max_tokens\":8,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> response = post("node-a", "/v1/chat/completions", body, aliceKey, "sse-req");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        List<String> events = response.body().lines().filter(l -> l.startsWith("data: ")).toList();
        assertThat(events).hasSizeGreaterThan(2);
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        assertThat(audit("node-c")).anySatisfy(l -> assertThat(l).contains("sse-req").contains("cluster.serve"));
    }

    @Test
    @Order(4)
    void theNodePortRefusesAnyoneWithoutAClusterCertificate() throws Exception {
        Node c = nodes.get("node-c");
        String nodeUrl = "https://127.0.0.1:" + c.nodePort();
        String forwarded = ForwardedIdentity.encode(new dev.bastion.security.Principal(aliceId, "root", Role.ADMIN,
                Set.of(Scope.ADMIN, Scope.MODELS_USE), null));
        HttpRequest asRoot = HttpRequest.newBuilder(URI.create(nodeUrl + "/api/generate"))
                .header(ForwardedIdentity.HEADER, forwarded).POST(HttpRequest.BodyPublishers.ofString(SHORT)).build();
        // a certificate with the same node name from another CA
        ClusterIdentity rogue = TestPki.node(TestPki.ca(dir.resolve("rogue-ca")), "node-a", dir.resolve("rogue"));
        try (HttpClient stranger = HttpClient.newBuilder().sslContext(rogue.sslContext()).build()) {
            assertThatThrownBy(() -> stranger.send(asRoot, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
        // no certificate at all, though trusting the cluster CA
        javax.net.ssl.SSLContext noCert = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        noCert.init(null, tmf.getTrustManagers(), null);
        try (HttpClient anonymous = HttpClient.newBuilder().sslContext(noCert).build()) {
            assertThatThrownBy(() -> anonymous.send(asRoot, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
        // a cluster node reaches the model endpoints there, and nothing else
        ClusterIdentity x = TestPki.node(ca, "node-x", dir.resolve("node-x"));
        try (HttpClient peer = HttpClient.newBuilder().sslContext(x.sslContext()).build()) {
            HttpResponse<String> tags = peer.send(HttpRequest.newBuilder(URI.create(nodeUrl + "/api/tags"))
                    .header(ForwardedIdentity.HEADER, forwarded).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tags.statusCode()).isEqualTo(404);
            assertThat(peer.send(asRoot, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // revoked while its connection is open: the next request on that connection is refused (a new
            // handshake would fail instead, with an IOException, not a 403)
            assertThat(ca.revoke("node-x")).isNotEmpty();
            installRevocationList(c.home().resolve("cluster"));
            HttpResponse<String> revoked = peer.send(asRoot, HttpResponse.BodyHandlers.ofString());
            assertThat(revoked.statusCode()).isEqualTo(403);
            assertThat(revoked.body()).contains("cluster certificate").doesNotContain("node-x").doesNotContain("revoked");
            assertThat(revoked.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        }
        try (HttpClient reconnecting = HttpClient.newBuilder().sslContext(x.sslContext()).build()) {
            assertThatThrownBy(() -> reconnecting.send(asRoot, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
        assertThat(read(c.home().resolve("node.log"))).contains("refused a request on the node port").contains("revoked");
        // the forwarded identity is worth nothing on the public port
        HttpResponse<String> claimed = http.send(HttpRequest.newBuilder(URI.create(c.url() + "/api/generate"))
                .header(ForwardedIdentity.HEADER, forwarded).POST(HttpRequest.BodyPublishers.ofString(SHORT)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(claimed.statusCode()).isEqualTo(401);
        HttpResponse<String> statusClaim = http.send(HttpRequest.newBuilder(URI.create(c.url() + "/api/cluster/status"))
                .header(ForwardedIdentity.HEADER, forwarded).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(statusClaim.statusCode()).isEqualTo(401);
    }

    @Test
    @Order(5)
    void aMemberWithoutTheClusterKeyReadsOnlyCiphertextAndCannotPlantANode() throws Exception {
        Node a = nodes.get("node-a");
        ClusterSettings settings = new ClusterSettings(true, "bastion", null, List.of("127.0.0.1:" + a.clusterPort()),
                freePort(), freePort(), "127.0.0.1", dir, 4, Duration.ofSeconds(10), Duration.ofSeconds(5));
        Config config = ClusterMembership.config(settings, "intruder");
        HazelcastInstance intruder = Hazelcast.newHazelcastInstance(config);
        try {
            await(Duration.ofSeconds(30), () -> intruder.getCluster().getMembers().size() == 4, "the intruder joined");
            IMap<String, byte[]> map = intruder.getMap(ClusterMembership.NODES_MAP);
            await(Duration.ofSeconds(10), () -> map.size() >= 3, "the intruder sees the entries");
            SealedStates wrongKey = new SealedStates(new SecretBox(new byte[32]));
            for (Map.Entry<String, byte[]> entry : map.entrySet()) {
                assertThat(new String(entry.getValue(), StandardCharsets.ISO_8859_1)).doesNotContain("tiny").doesNotContain("https");
                assertThat(wrongKey.open(entry.getKey(), entry.getValue())).isEmpty();
            }
            NodeState planted = new NodeState("node-evil", intruder.getCluster().getLocalMember().getUuid().toString(),
                    "https://127.0.0.1:1", List.of("tiny:latest"), List.of("tiny:latest"), 1L << 40, 0, 0, false,
                    System.currentTimeMillis());
            map.put("node-evil", wrongKey.seal(planted));
            map.put("node-zzz", "{\"name\":\"node-zzz\"}".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(1500);
            assertThat(status("node-a").path("nodes").findValuesAsText("name"))
                    .containsExactlyInAnyOrder("node-a", "node-b", "node-c");
            assertThat(post("node-a", "/api/generate", SHORT, aliceKey, "after-intruder").statusCode()).isEqualTo(200);
            assertThat(audit("node-a")).anySatisfy(l -> assertThat(l).contains("after-intruder").contains("node-c"));
        } finally {
            intruder.shutdown();
        }
    }

    @Test
    @Order(6)
    void aDrainedNodeGetsNoNewRequests() throws Exception {
        assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-c\"}", aliceKey, null).statusCode()).isEqualTo(403);
        // a stream C is serving when it is drained (asked of A) finishes; C's own readiness turns 503
        String longer = SHORT.replace("\"num_predict\":12", "\"num_predict\":200");
        HttpResponse<java.io.InputStream> inFlight = http.send(request("node-c", "/api/generate", longer, aliceKey,
                "in-flight-at-drain"), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader stream = new BufferedReader(new InputStreamReader(inFlight.body(), StandardCharsets.UTF_8))) {
            assertThat(stream.readLine()).isNotNull();
            assertThat(ready("node-c")).isEqualTo(200);
            assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-c\"}", rootKey, null).statusCode()).isEqualTo(200);
            long drainedAt = System.nanoTime();
            await(Duration.ofSeconds(5), () -> ready("node-c") == 503, "C's /health/ready answers 503");
            System.out.println("C's /health/ready answered 503 " + (System.nanoTime() - drainedAt) / 1_000_000
                    + " ms after the drain was asked of A");
            assertThat(ready("node-a")).as("only C drains").isEqualTo(200);
            List<String> rest = stream.lines().toList();
            assertThat(rest).isNotEmpty();
            assertThat(JSON.readTree(rest.getLast()).path("done").asBoolean()).as("the in-flight stream completed").isTrue();
            assertThat(rest).noneSatisfy(l -> assertThat(l).contains("\"error\""));
        }
        await(Duration.ofSeconds(5), () -> status("node-b").findValues("draining").stream().filter(JsonNode::asBoolean).count() == 1,
                "B sees C draining");
        assertThat(post("node-b", "/api/generate", SHORT, aliceKey, "while-drained").statusCode()).isEqualTo(200);
        assertThat(audit("node-c")).noneSatisfy(l -> assertThat(l).contains("while-drained"));
        assertThat(loadedOn("node-b", "node-b")).as("B served it itself").contains("tiny:latest");
        HttpResponse<String> ps = get("node-a", "/api/ps?cluster=true", rootKey);
        assertThat(ps.body()).contains("node-b").contains("node-c");
        assertThat(get("node-a", "/api/ps?cluster=true", aliceKey).statusCode()).isEqualTo(403);
        assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-c\",\"drain\":false}", rootKey, null)
                .statusCode()).isEqualTo(200);
        await(Duration.ofSeconds(5), () -> status("node-a").findValues("draining").stream().noneMatch(JsonNode::asBoolean),
                "C back in service");
        await(Duration.ofSeconds(5), () -> ready("node-c") == 200, "C's /health/ready answers 200 again");
    }

    @Test
    @Order(7)
    void killingTheServingNodeEndsItsStreamsWithAnErrorAndNewRequestsReachTheOthers() throws Exception {
        String endless = "{\"model\":\"tiny\",\"prompt\":\"once upon a time\",\"options\":{\"num_predict\":-1,\"num_ctx\":4096}}";
        List<String> lines = new ArrayList<>();
        long killedAt = 0;
        // a random tiny model may sample its end token early: then the stream is over before the kill, and we try again
        for (int attempt = 1; attempt <= 3 && lines.isEmpty(); attempt++) {
            String requestId = "doomed-" + attempt;
            // B drains so that the long stream lands on C
            assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-b\"}", rootKey, null).statusCode()).isEqualTo(200);
            await(Duration.ofSeconds(5), () -> field("node-a", "node-b", "draining") > 0, "B drains");
            HttpResponse<java.io.InputStream> response = http.send(request("node-a", "/api/generate", endless, aliceKey,
                    requestId), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                List<String> read = new ArrayList<>();
                read.add(reader.readLine());
                assertThat(audit("node-c")).anySatisfy(l -> assertThat(l).contains(requestId));
                assertThat(post("node-a", "/api/cluster/drain", "{\"node\":\"node-b\",\"drain\":false}", rootKey, null)
                        .statusCode()).isEqualTo(200);
                await(Duration.ofSeconds(5), () -> field("node-a", "node-b", "draining") == 0, "B back");
                read.add(reader.readLine());
                if (read.getLast() == null || JSON.readTree(read.getLast()).path("done").asBoolean()) continue;
                try (Credits credits = credits()) {
                    List<Ledger.OpenReservation> open = credits.ledger().openReservations(aliceId);
                    if (open.isEmpty()) continue; // it ended (and was settled) just after its second line
                    assertThat(open).as("C holds the doomed request's reservation")
                            .extracting(Ledger.OpenReservation::node).containsExactly("node-c");
                }
                Process c = nodes.get("node-c").process();
                killedAt = System.nanoTime();
                c.destroyForcibly(); // SIGKILL
                c.waitFor();
                for (String line; (line = reader.readLine()) != null; ) read.add(line);
                lines.addAll(read);
            }
        }
        assertThat(lines).as("a stream still running when C was killed").isNotEmpty();
        JsonNode last = JSON.readTree(lines.getLast());
        assertThat(last.path("error").asText()).isEqualTo(Forwarder.FAILED_MID_STREAM);
        assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(l -> assertThat(JSON.readTree(l).has("error")).isFalse());

        long start = System.nanoTime();
        HttpResponse<String> next = post("node-a", "/api/generate", SHORT, aliceKey, "after-kill");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(text(next.body())).isNotBlank();
        assertThat(audit("node-b")).anySatisfy(l -> assertThat(l).contains("after-kill").contains("cluster.serve"));
        System.out.println("first request after kill -9 of the serving node answered in " + millis + " ms");
        assertThat(millis).as("reaches B within seconds").isLessThan(30_000);
        await(Duration.ofSeconds(20), () -> status("node-a").path("nodes").size() == 2, "C leaves A's view");

        // a survivor releases what C reserved for the request it will never finish: nothing lost, nothing doubled
        await(Duration.ofSeconds(20), () -> {
            try (Credits credits = credits()) {
                return credits.ledger().openReservations(aliceId).isEmpty();
            }
        }, "C's reservation released by a survivor");
        System.out.println("C's credit reservation released " + (System.nanoTime() - killedAt) / 1_000_000
                + " ms after its kill -9");
        try (Credits credits = credits()) {
            assertThat(credits.ledger().verify().problems()).isEmpty();
            long earned = owners.values().stream().mapToLong(credits.ledger()::balanceOfUser).sum();
            assertThat(credits.ledger().balanceOfUser(aliceId) + earned + credits.ledger().balance(Accounts.NETWORK))
                    .as("every credit granted is with alice, earned by an owner or a fee, once").isEqualTo(GRANTED);
        }
        // the survivor audits the release just after committing it: wait for the record rather than race it
        await(Duration.ofSeconds(10), () -> List.of("node-a", "node-b").stream().anyMatch(n -> read(
                nodes.get(n).home().resolve(dev.bastion.security.AuditLog.FILE_NAME)).contains("\"released_reservations\":\"1\"")),
                "the release audited");
        assertThat(audit("node-a") + "\n" + audit("node-b")).contains("cluster.node_gone");
    }

    @Test
    @Order(8)
    void aFrozenServingNodeIsNoticedByFailureDetectionAndItsStreamsEnd() throws Exception {
        String endless = "{\"model\":\"tiny\",\"prompt\":\"once upon a time\",\"options\":{\"num_predict\":-1,\"num_ctx\":4096}}";
        HttpResponse<java.io.InputStream> response = http.send(request("node-a", "/api/generate", endless, aliceKey,
                "frozen"), HttpResponse.BodyHandlers.ofInputStream());
        List<String> lines = new ArrayList<>();
        long frozenAt;
        Process b = nodes.get("node-b").process();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            lines.add(reader.readLine());
            assertThat(audit("node-b")).anySatisfy(l -> assertThat(l).contains("frozen").contains("cluster.serve"));
            signal("STOP", b); // alive, connections open, silent: only missing heartbeats tell
            frozenAt = System.nanoTime();
            for (String line; (line = reader.readLine()) != null; ) lines.add(line);
        } finally {
            signal("CONT", b);
        }
        long seconds = (System.nanoTime() - frozenAt) / 1_000_000_000L;
        System.out.println("stream from a frozen node ended after " + seconds + " s");
        assertThat(JSON.readTree(lines.getLast()).path("error").asText()).isEqualTo(Forwarder.FAILED_MID_STREAM);
        assertThat(seconds).as("failure detection (5 s) plus a refresh").isLessThan(20);
    }

    // --- helpers

    /** Copies the CA's revocation list into a node's bundle, atomically, as an operator's copy would land. */
    private static void installRevocationList(Path bundle) throws IOException {
        Path staged = bundle.resolve("crl.pem.new");
        Files.copy(ca.directory().resolve(ClusterCa.CRL), staged, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, bundle.resolve(ClusterCa.CRL), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void signal(String signal, Process process) throws Exception {
        assertThat(new ProcessBuilder("sh", "-c", "kill -" + signal + " " + process.pid()).start().waitFor()).isZero();
    }

    private static Process launch(Path home, int[] p, String members) throws IOException {
        Map<String, String> nodeEnv = new HashMap<>(env);
        nodeEnv.put("BASTION_CREDITS", "on");
        nodeEnv.put(CreditsConfig.ENV_NODE_OWNER, "owner-" + home.getFileName()); // earns what it serves
        return NodeProcesses.launch(TestNodeMain.class, home, p, members, nodeEnv);
    }

    private static void awaitReady(Node node) throws Exception {
        Path log = node.home().resolve("node.log");
        await(Duration.ofSeconds(90), () -> {
            if (!node.process().isAlive()) throw new AssertionError(node.name() + " exited: " + read(log));
            return read(log).contains("READY");
        }, node.name() + " listening");
    }

    private static Credits credits() {
        return new Credits(setup.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC());
    }

    private static HttpRequest request(String node, String path, String body, String key, String requestId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nodes.get(node).url() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) b.header("X-Request-Id", requestId);
        return b.build();
    }

    private static HttpResponse<String> post(String node, String path, String body, String key, String requestId)
            throws IOException, InterruptedException {
        return http.send(request(node, path, body, key, requestId), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String node, String path, String key) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(nodes.get(node).url() + path))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status of {@code node}'s readiness probe (no key, as a load balancer asks); -1 if it does not answer. */
    private static int ready(String node) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(nodes.get(node).url() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private static JsonNode status(String node) {
        try {
            return JSON.readTree(get(node, "/api/cluster/status", rootKey).body());
        } catch (IOException | InterruptedException e) {
            return JSON.createObjectNode();
        }
    }

    /** The models {@code node} has loaded, as {@code viewer} sees the cluster. */
    private static List<String> loadedOn(String viewer, String node) {
        for (JsonNode n : status(viewer).path("nodes")) {
            if (n.path("name").asText().equals(node)) {
                List<String> loaded = new ArrayList<>();
                n.path("loaded").forEach(m -> loaded.add(m.asText()));
                return loaded;
            }
        }
        return List.of();
    }

    private static double field(String viewer, String node, String field) {
        for (JsonNode n : status(viewer).path("nodes")) {
            if (n.path("name").asText().equals(node)) return n.path(field).asDouble();
        }
        return -1;
    }

    private static List<String> audit(String node) throws IOException {
        return Files.readAllLines(nodes.get(node).home().resolve(dev.bastion.security.AuditLog.FILE_NAME));
    }

    private static String text(String ndjson) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : ndjson.lines().toList()) lines.add(JSON.readTree(l));
        return text(lines);
    }

    private static String text(List<JsonNode> lines) {
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l.path("response").asText()));
        return out.toString();
    }
}
