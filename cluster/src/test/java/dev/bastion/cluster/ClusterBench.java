package dev.bastion.cluster;

import static dev.bastion.cluster.NodeProcesses.await;
import static dev.bastion.cluster.NodeProcesses.freePort;
import static dev.bastion.cluster.NodeProcesses.read;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.TestPki;
import dev.bastion.credits.Credits;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.db.TestPostgres;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cluster throughput bench ({@code bin/bench-cluster}): a throwaway cluster of real node processes on loopback
 * (one throwaway PostgreSQL, certificates from a test CA, credits on, rate limits off), every node holding the same
 * generated model, driven by concurrent Ollama {@code /api/generate} clients for a fixed time per phase. Phases run
 * with all nodes up, then with one node fewer down to one (a node is stopped between phases), clients all on node A
 * (A forwards what placement sends elsewhere) or spread over the nodes. The forwarding overhead is measured apart:
 * A and B drained, one tiny request at a time alternately straight to C and to A (which forwards it to C).
 */
public final class ClusterBench implements AutoCloseable {

    /**
     * @param nodes           the largest cluster (phases run for nodes, nodes-1, …, 1)
     * @param phase           how long clients start new requests in each phase
     * @param overheadSamples pairs (direct, forwarded) for the forwarding overhead; 0 skips it
     */
    public record Options(int nodes, Duration phase, int clients, int numPredict, int overheadSamples, Path dir) {
        static Options quick(Path dir) {
            return new Options(3, Duration.ofSeconds(6), 32, 32, 100, dir);
        }

        static Options full(Path dir) {
            return new Options(3, Duration.ofSeconds(30), 32, 32, 500, dir);
        }
    }

    /**
     * One phase's numbers.
     *
     * @param forwarded  requests a node forwarded (cluster.forward audit records) during the phase
     * @param ledgerRows credit transactions written to the shared ledger during the phase
     * @param auditRows  audit records written during the phase, all nodes (each pins its chain's end in PostgreSQL)
     */
    public record Result(String phase, int nodes, int requests, int errors, long tokens, double seconds, double p50Millis,
                         double p99Millis, int forwarded, long ledgerRows, long auditRows) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /**
     * Milliseconds to the first NDJSON line, directly at the serving node and through a forwarding node; and, measured
     * in the same run, what the hop does besides the network: a PostgreSQL connection taken from the node's pool and,
     * for comparison, a new one (each audit record's two anchor updates take one each; before the pool they opened a
     * new one), and an fsync of a small append (each audit record is fsynced).
     */
    public record Overhead(int samples, double directP50, double directP99, double viaP50, double viaP99,
                           double extraP50, double extraP99, double connectP50, double pooledP50, double fsyncP50) {
    }

    public record Report(int cores, String loadBefore, String loadAfter, List<Result> results, Overhead overhead) {
    }

    record Node(String name, Path home, int port, Process process) {
        String url() {
            return "http://127.0.0.1:" + port;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hidden 256, 4 layers, BF16: a 32-token request costs a node some 40-80 ms (printed as measured). */
    static final TinyModelSpec MODEL = new TinyModelSpec(256, 688, 4, 4, 2, 0, DType.BF16, false, false, 1);
    private static final List<String> NAMES = List.of("node-a", "node-b", "node-c", "node-d", "node-e");

    private final Options options;
    private final List<Node> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private SecurityServices setup;
    private String userKey;
    private String adminKey;

    private ClusterBench(Options options) {
        if (options.nodes() < 1 || options.nodes() > NAMES.size()) {
            throw new IllegalArgumentException("nodes must be 1-" + NAMES.size());
        }
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Path dir = Files.createTempDirectory("bastion-bench-cluster");
        Options options = quick ? Options.quick(dir) : Options.full(dir);
        for (int i = 0; i < args.length - 1; i++) {
            switch (args[i]) {
                case "--nodes" -> options = new Options(Integer.parseInt(args[++i]), options.phase(), options.clients(),
                        options.numPredict(), options.overheadSamples(), dir);
                case "--seconds" -> options = new Options(options.nodes(), Duration.ofSeconds(Long.parseLong(args[++i])),
                        options.clients(), options.numPredict(), options.overheadSamples(), dir);
                default -> { }
            }
        }
        Report report = run(options);
        print(report, options);
        System.exit(0); // the test PostgreSQL's shutdown hook stops it
    }

    /** Starts the cluster, runs every phase and the overhead measurement, stops the cluster. */
    public static Report run(Options options) throws Exception {
        String before = loadAverage();
        try (ClusterBench bench = new ClusterBench(options)) {
            bench.start();
            List<Result> results = new ArrayList<>();
            Overhead overhead = null;
            for (int n = options.nodes(); n >= 1; n--) {
                if (n < bench.nodes.size()) bench.stopLast(n);
                List<Node> a = List.of(bench.nodes.getFirst());
                results.add(bench.phase("all clients on A, stream off", n, a, false));
                results.add(bench.phase("all clients on A, stream on", n, a, true));
                if (n > 1) results.add(bench.phase("clients spread, stream on", n, List.copyOf(bench.nodes), true));
                if (n >= 2 && overhead == null && options.overheadSamples() > 0) overhead = bench.overhead();
            }
            return new Report(Runtime.getRuntime().availableProcessors(), before, loadAverage(), results, overhead);
        }
    }

    private void start() throws Exception {
        Path dir = options.dir();
        Map<String, String> env = TestPostgres.shared().freshEnvironment(Files.createDirectories(dir.resolve("scratch")));
        setup = SecurityServices.open(dir.resolve("setup"), env);
        long userId = setup.users().create("bench", Role.USER).id();
        setup.users().create("root", Role.ADMIN);
        userKey = setup.keys().create("bench", Set.of(Scope.MODELS_USE), null, "bench").secret();
        adminKey = setup.keys().create("root", Set.of(Scope.MODELS_USE, Scope.ADMIN), null, "bench").secret();
        try (Credits credits = new Credits(setup.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC())) {
            credits.ledger().grant(userId, 1L << 50, "bench", "bench", null);
        }
        ClusterCa ca = TestPki.ca(dir.resolve("ca"));
        Path model = TinyModelFixture.model(dir.resolve("model"), Architecture.LLAMA, MODEL);
        List<int[]> ports = new ArrayList<>();
        List<String> members = new ArrayList<>();
        for (int i = 0; i < options.nodes(); i++) {
            int[] p = {freePort(), freePort(), freePort()};
            ports.add(p);
            members.add("127.0.0.1:" + p[2]);
        }
        for (int i = 0; i < options.nodes(); i++) {
            String name = NAMES.get(i);
            Path home = Files.createDirectories(dir.resolve(name));
            new ModelStore(home).importDirectory(model, ModelName.parse("bench"), null);
            ca.issueNode(name, List.of("127.0.0.1"), home.resolve("cluster"));
            nodes.add(new Node(name, home, ports.get(i)[0], launch(env, home, ports.get(i), String.join(",", members))));
        }
        for (Node node : nodes) {
            await(Duration.ofSeconds(120), () -> {
                if (!node.process().isAlive()) throw new IllegalStateException(node.name() + " exited: " + read(node.home().resolve("node.log")));
                return read(node.home().resolve("node.log")).contains("READY");
            }, node.name() + " listening");
        }
        await(Duration.ofSeconds(60), () -> clusterSize() == nodes.size(), nodes.size() + " nodes in A's view");
        // load the model on every node, with one generation (JIT, caches): a node that has not loaded it sends its
        // requests to one that has, so each loads it while the others are drained
        for (Node node : nodes) {
            List<Node> others = nodes.stream().filter(n -> n != node).toList();
            for (Node other : others) drain(other.name(), true);
            await(Duration.ofSeconds(10), () -> drainedCount() == others.size(), "the others drained");
            // A's view is not the serving node's: each node refreshes its snapshot every 500 ms, and with pooled
            // database connections a request is fast enough to be placed on the stale one (forwarded to a drained node).
            Thread.sleep(1_000);
            generate(node, "{\"model\":\"bench\"}", false);
            generate(node, body(options.numPredict(), false), false);
            for (Node other : others) drain(other.name(), false);
            await(Duration.ofSeconds(10), () -> drainedCount() == 0, "the drains lifted");
        }
        await(Duration.ofSeconds(30), () -> loadedEverywhere(), "the model loaded on every node, as A sees it");
    }

    /** Stops the last node (SIGTERM) and waits until A sees {@code remaining} nodes. */
    private void stopLast(int remaining) throws Exception {
        Node last = nodes.removeLast();
        last.process().destroy();
        last.process().waitFor();
        await(Duration.ofSeconds(30), () -> clusterSize() == remaining, "A sees " + remaining + " node(s)");
    }

    private Result phase(String name, int n, List<Node> targets, boolean stream) throws Exception {
        long forwardsBefore = countAudit("cluster.forward");
        long auditBefore = countAudit("");
        long ledgerBefore = ledgerRows();
        String request = body(options.numPredict(), stream);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong tokens = new AtomicLong();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + options.phase().toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < options.clients(); i++) {
            Node target = targets.get(i % targets.size());
            clients.add(Thread.ofPlatform().name("bench-client-" + i).start(() -> {
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    try {
                        int count = generate(target, request, stream);
                        latencies.add(System.nanoTime() - t0);
                        tokens.addAndGet(count);
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : clients) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        Thread.sleep(300); // the last audit lines are written after the answer
        return new Result(name, n, sorted.size(), errors.get(), tokens.get(), seconds, percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.99) / 1e6, (int) (countAudit("cluster.forward") - forwardsBefore),
                ledgerRows() - ledgerBefore, countAudit("") - auditBefore);
    }

    /**
     * A and B drained, so A forwards every request to C: one tiny streamed request at a time, alternately to C
     * directly and to A, timed to the first NDJSON line. The paired difference is what the hop costs.
     */
    private Overhead overhead() throws Exception {
        Node a = nodes.getFirst();
        Node c = nodes.getLast();
        List<Node> drained = nodes.subList(0, nodes.size() - 1);
        for (Node node : drained) drain(node.name(), true);
        await(Duration.ofSeconds(10), () -> drainedCount() == drained.size(), "A sees the drains");
        String tiny = body(1, true);
        List<Long> direct = new ArrayList<>();
        List<Long> via = new ArrayList<>();
        List<Long> extra = new ArrayList<>();
        long forwardsBefore = countAudit("cluster.forward");
        int warmup = 20;
        for (int i = 0; i < warmup + options.overheadSamples(); i++) {
            // alternate which goes first, so neither always follows the other's warm caches
            long d;
            long v;
            if (i % 2 == 0) {
                d = firstLine(c, tiny);
                v = firstLine(a, tiny);
            } else {
                v = firstLine(a, tiny);
                d = firstLine(c, tiny);
            }
            if (i < warmup) continue;
            direct.add(d);
            via.add(v);
            extra.add(v - d);
        }
        long forwarded = countAudit("cluster.forward") - forwardsBefore;
        for (Node node : drained) drain(node.name(), false);
        await(Duration.ofSeconds(10), () -> drainedCount() == 0, "the drains lifted");
        if (forwarded < warmup + options.overheadSamples()) {
            throw new IllegalStateException("A forwarded only " + forwarded + " of the requests sent to it");
        }
        Collections.sort(direct);
        Collections.sort(via);
        Collections.sort(extra);
        List<Long> connects = new ArrayList<>();
        List<Long> pooled = new ArrayList<>();
        List<Long> fsyncs = new ArrayList<>();
        Path scratch = options.dir().resolve(a.name()).resolve("bench-fsync");
        try (var channel = java.nio.channels.FileChannel.open(scratch, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < 50; i++) {
                long t0 = System.nanoTime();
                try (Connection db = setup.database().dedicatedConnection(); Statement st = db.createStatement()) {
                    st.execute("SELECT 1");
                }
                connects.add(System.nanoTime() - t0);
                t0 = System.nanoTime();
                try (Connection db = setup.database().connection(); Statement st = db.createStatement()) {
                    st.execute("SELECT 1");
                }
                pooled.add(System.nanoTime() - t0);
                t0 = System.nanoTime();
                channel.write(java.nio.ByteBuffer.wrap("{\"seq\":1,\"action\":\"bench\"}\n".getBytes(StandardCharsets.UTF_8)));
                channel.force(false);
                fsyncs.add(System.nanoTime() - t0);
            }
        }
        Collections.sort(connects);
        Collections.sort(pooled);
        Collections.sort(fsyncs);
        return new Overhead(direct.size(), percentile(direct, .5) / 1e6, percentile(direct, .99) / 1e6,
                percentile(via, .5) / 1e6, percentile(via, .99) / 1e6, percentile(extra, .5) / 1e6,
                percentile(extra, .99) / 1e6, percentile(connects, .5) / 1e6, percentile(pooled, .5) / 1e6,
                percentile(fsyncs, .5) / 1e6);
    }

    private long firstLine(Node node, String body) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request(node, "/api/generate", body, userKey),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String first = reader.readLine();
            long t = System.nanoTime() - t0;
            if (response.statusCode() != 200 || first == null) {
                throw new IOException(node.name() + " answered " + response.statusCode());
            }
            while (reader.readLine() != null) {
                // drain the rest so the connection is reused
            }
            return t;
        }
    }

    /** Sends one generation; returns the tokens it generated (eval_count of the final object). */
    private int generate(Node node, String body, boolean stream) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request(node, "/api/generate", body, userKey),
                HttpResponse.BodyHandlers.ofInputStream());
        String last = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) last = line;
            }
        }
        if (response.statusCode() != 200 || last == null) {
            throw new IOException(node.name() + " answered " + response.statusCode() + ": " + last);
        }
        JsonNode done = JSON.readTree(last);
        if (done.has("error") || !done.path("done").asBoolean()) throw new IOException("failed: " + last);
        return done.path("eval_count").asInt();
    }

    private static String body(int numPredict, boolean stream) {
        return "{\"model\":\"bench\",\"prompt\":\"once upon a time there was a\",\"stream\":" + stream
                + ",\"options\":{\"temperature\":0,\"seed\":1,\"num_predict\":" + numPredict + "}}";
    }

    private HttpRequest request(Node node, String path, String body, String key) {
        return HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private void drain(String node, boolean drain) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(nodes.getFirst(), "/api/cluster/drain",
                "{\"node\":\"" + node + "\",\"drain\":" + drain + "}", adminKey), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("drain " + node + ": " + r.statusCode() + " " + r.body());
    }

    private JsonNode status() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(nodes.getFirst().url() + "/api/cluster/status"))
                    .header("Authorization", "Bearer " + adminKey).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException | InterruptedException e) {
            return JSON.createObjectNode();
        }
    }

    private int clusterSize() {
        return status().path("nodes").size();
    }

    private long drainedCount() {
        return status().findValues("draining").stream().filter(JsonNode::asBoolean).count();
    }

    private boolean loadedEverywhere() {
        JsonNode all = status().path("nodes");
        if (all.size() != nodes.size()) return false;
        for (JsonNode n : all) {
            if (!n.path("loaded").toString().contains("bench")) return false;
        }
        return true;
    }

    /** Audit records (containing {@code action}) in every node's log, stopped nodes' included. */
    private long countAudit(String action) throws IOException {
        long count = 0;
        for (String name : NAMES) {
            Path log = options.dir().resolve(name).resolve(AuditLog.FILE_NAME);
            if (!Files.exists(log)) continue;
            try (var lines = Files.lines(log)) {
                count += lines.filter(l -> l.contains(action)).count();
            }
        }
        return count;
    }

    private long ledgerRows() throws Exception {
        try (Connection c = setup.database().connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM credit_transactions")) {
            r.next();
            return r.getLong(1);
        }
    }

    private Process launch(Map<String, String> env, Path home, int[] p, String members) throws IOException {
        Map<String, String> nodeEnv = new HashMap<>(env);
        nodeEnv.put("BASTION_CREDITS", "on");
        return NodeProcesses.launch(TestNodeMain.class, home, p, members, nodeEnv, "-D" + TestNodeMain.NO_RATE_LIMITS + "=true");
    }

    @Override
    public void close() {
        for (Node node : nodes) node.process().destroyForcibly();
        for (Node node : nodes) {
            try {
                node.process().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void print(Report report, Options options) {
        System.out.printf(Locale.ROOT, "cluster bench: %d clients, /api/generate num_predict=%d, %d s per phase, model "
                        + "llama hidden %d, %d layers, %s (generated)%n", options.clients(), options.numPredict(),
                options.phase().toSeconds(), MODEL.hiddenSize(), MODEL.layers(), MODEL.dtype());
        System.out.printf(Locale.ROOT, "nproc %d; load average before: %s%n", report.cores(), report.loadBefore());
        System.out.println("All nodes run on this one machine and share its cores: with N > 1 they cannot add"
                + " throughput here, only show what routing costs.");
        System.out.printf(Locale.ROOT, "%-32s %2s %7s %6s %8s %9s %9s %9s %10s %7s %7s%n", "phase", "N", "reqs", "errors",
                "tokens", "tok/s", "p50 ms", "p99 ms", "forwarded", "ledger", "audit");
        for (Result r : report.results()) {
            System.out.printf(Locale.ROOT, "%-32s %2d %7d %6d %8d %9.1f %9.1f %9.1f %9.0f%% %7.2f %7.2f%n", r.phase(),
                    r.nodes(), r.requests(), r.errors(), r.tokens(), r.tokensPerSecond(), r.p50Millis(), r.p99Millis(),
                    r.requests() == 0 ? 0 : 100.0 * r.forwarded() / r.requests(),
                    r.requests() == 0 ? 0 : (double) r.ledgerRows() / r.requests(),
                    r.requests() == 0 ? 0 : (double) r.auditRows() / r.requests());
        }
        System.out.println("(ledger, audit: credit transactions and audit records written per request; each audit"
                + " record also updates its node's anchor row in PostgreSQL)");
        report.results().stream().filter(r -> r.nodes() == 1 && r.requests() > 0).findFirst().ifPresent(r ->
                System.out.printf(Locale.ROOT, "one request costs a node about %.1f ms (N=1, one generation at a time:"
                        + " phase time / requests)%n", r.seconds() * 1000 / r.requests()));
        Overhead o = report.overhead();
        if (o != null) {
            System.out.printf(Locale.ROOT, "forwarding overhead, %d alternated pairs of a 1-token streamed request, time"
                            + " to the first line: direct to C p50 %.2f ms p99 %.2f ms; via A p50 %.2f ms p99 %.2f ms;"
                            + " extra per request (paired) p50 %.2f ms p99 %.2f ms%n", o.samples(), o.directP50(),
                    o.directP99(), o.viaP50(), o.viaP99(), o.extraP50(), o.extraP99());
            System.out.printf(Locale.ROOT, "the hop writes two audit records (cluster.forward on A, cluster.serve on C),"
                    + " each fsynced and anchored by two PostgreSQL updates on pooled connections; in this run SELECT 1"
                    + " on a new connection took p50 %.2f ms, on a pooled one p50 %.2f ms, an append with fsync p50"
                    + " %.2f ms%n", o.connectP50(), o.pooledP50(), o.fsyncP50());
        }
        System.out.printf(Locale.ROOT, "load average after: %s%n", report.loadAfter());
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String loadAverage() {
        String load = read(Path.of("/proc/loadavg")).trim();
        return load.isEmpty() ? "unknown" : String.join(" ", List.of(load.split(" ")).subList(0, 3));
    }
}
