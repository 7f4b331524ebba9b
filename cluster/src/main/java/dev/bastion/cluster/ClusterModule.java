package dev.bastion.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.GenerationListener;
import dev.bastion.api.LocalModels;
import dev.bastion.api.ModelScheduler;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.api.ServerServices;
import dev.bastion.api.ops.Readiness;
import dev.bastion.api.security.ErrorResponses;
import dev.bastion.cluster.pki.NodeAddress;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.NotFoundResponse;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntBiFunction;

/**
 * The cluster as a server module: a second listener (the node port, mutual TLS under the cluster CA) that serves only
 * the model endpoints for peers, and on the public port a step after authentication that sends a model request to the
 * node placement picks, streaming its answer back. Requests that arrive on the node port are served here, never
 * forwarded again, so a request makes at most one hop.
 */
public final class ClusterModule implements ServerModule {

    /** The endpoints whose work can be done by another node: the model named in the body decides where. */
    static final Set<String> ROUTED = Set.of("/api/generate", "/api/chat", "/api/embed", "/api/embeddings",
            "/v1/chat/completions", "/v1/completions", "/v1/embeddings");
    private static final Logger LOG = LoggerFactory.getLogger(ClusterModule.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SUSPECT_MILLIS = 10_000;
    private static final String PEER_ATTRIBUTE = "bastion.cluster.peer";

    private final ClusterSettings settings;
    private final ClusterIdentity identity;
    private final AuditLog audit;
    private final Placement placement;
    private final Forwarder forwarder;
    private final Map<String, Long> suspects = new ConcurrentHashMap<>();
    private final ThroughputMeter throughput = new ThroughputMeter();
    private final Set<Forwarder.InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bastion-cluster-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final ToIntBiFunction<String, Instant> releaseReservations;
    private volatile LocalModels models = LocalModels.NONE;
    private volatile Readiness readiness;
    /** Whether this module drained the server's readiness (so it resumes only what it drained itself). */
    private boolean drainedReadiness;
    private volatile ClusterMembership membership;
    private volatile Replication replication;

    /** @param audit where forwarded and served requests are recorded (null: not recorded) */
    public ClusterModule(ClusterSettings settings, ClusterIdentity identity, AuditLog audit) {
        this(settings, identity, audit, (node, leftAt) -> 0);
    }

    /**
     * @param releaseReservations releases the credit reservations a node that left the cluster made before it left
     *                            (e.g. {@code Credits::releaseNode}); called on one survivor, and harmless if on several
     */
    public ClusterModule(ClusterSettings settings, ClusterIdentity identity, AuditLog audit,
                         ToIntBiFunction<String, Instant> releaseReservations) {
        this.releaseReservations = releaseReservations;
        if (settings.nodeName() != null && !settings.nodeName().equals(identity.nodeName())) {
            throw new IllegalArgumentException("BASTION_NODE_NAME '" + settings.nodeName()
                    + "' differs from the name in this node's certificate");
        }
        requireAddressInCertificate(settings.nodeAddress(), identity.certificate());
        if (audit != null && !audit.chain().equals(identity.nodeName())) {
            // nodes share the database: under another name this node's audit chain would be some other node's
            throw new IllegalArgumentException("this node's audit chain is '" + audit.chain() + "' but its certificate"
                    + " names it '" + identity.nodeName() + "'; set BASTION_NODE_NAME=" + identity.nodeName());
        }
        this.settings = settings;
        this.identity = identity;
        this.audit = audit;
        this.placement = new Placement(settings.busyQueue());
        this.forwarder = new Forwarder(identity);
    }

    /**
     * Lets this node copy models from peers when placement asks it to (docs/cluster.md, "Replication: pulling from a
     * peer"), into {@code store} under {@code signatures}' policy (null: no checks, as {@code off}); a request that
     * has to wait for a copy waits at most {@code wait}, then is answered 503 with {@code Retry-After}. Its peers'
     * registry reads are served on the node port too. Call before the server starts.
     */
    public ClusterModule replicating(ModelStore store, SignatureGuard signatures, Duration wait) {
        Replicator local = new Replicator(identity.nodeName(), identity.sslContext(), store, signatures, audit,
                Replicator.PEER_LIMITS);
        this.replication = new Replication(identity.nodeName(), local, identity.sslContext(), wait);
        return this;
    }

    /** {@code BASTION_CLUSTER_PULL_WAIT}: how long a request waits for a copy before a 503 (seconds, default 120). */
    public static Duration replicationWait(Map<String, String> env) {
        return Replication.waitFrom(env);
    }

    @Override
    public void bind(ServerServices services) {
        this.models = services.models();
        this.readiness = services.readiness();
    }

    @Override
    public GenerationListener generationObserver() {
        return throughput;
    }

    @Override
    public List<Authenticator> authenticators() {
        return List.of(new ForwardedIdentity(settings.nodePort()));
    }

    @Override
    public void register(JavalinConfig config) {
        config.jetty.addConnector((server, http) -> {
            HttpConfiguration https = new HttpConfiguration(http);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setSslContext(identity.sslContext());
            tls.setNeedClientAuth(true); // no cluster certificate, no connection
            ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                    new HttpConnectionFactory(https));
            connector.setHost(nodeBindHost());
            connector.setPort(settings.nodePort());
            return connector;
        });
        config.routes.before(this::nodePortGate);
        config.routes.beforeMatched(this::route);
        config.routes.get("/api/cluster/status", this::status, Access.ADMIN);
        config.routes.post("/api/cluster/drain", this::drain, Access.ADMIN);
        config.routes.post(Replication.PATH, this::replicateHere, Access.ADMIN);
    }

    @Override
    public void start() {
        membership = new ClusterMembership(settings, identity, this::localState, this::nodeGone);
        watchdog.scheduleWithFixedDelay(this::abandonGoneNodes, 500, 500, TimeUnit.MILLISECONDS);
        watchdog.scheduleWithFixedDelay(this::followDrainFlag, 0, 500, TimeUnit.MILLISECONDS);
        LOG.info("node {} joined cluster '{}' (node port {}, member port {})", identity.nodeName(),
                settings.clusterName(), settings.nodePort(), settings.clusterPort());
    }

    @Override
    public void stop() {
        watchdog.shutdownNow();
        ClusterMembership m = membership;
        membership = null;
        if (m != null) m.close();
    }

    public Optional<ClusterMembership> membership() {
        return Optional.ofNullable(membership);
    }

    /**
     * Peers dial this node at {@code BASTION_NODE_ADDRESS} and check it against its certificate's SAN: a node whose
     * address is not there would fail every handshake, so it is refused at start with the fix.
     */
    static void requireAddressInCertificate(String address, X509Certificate certificate) {
        NodeAddress wanted = NodeAddress.parse(address);
        List<String> san = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.size() == 2 && name.get(1) instanceof String value) san.add(value);
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("this node's certificate has unreadable subject alternative names");
        }
        for (String value : san) {
            try {
                if (NodeAddress.parse(value).equals(wanted)) return;
            } catch (IllegalArgumentException e) {
                // not an address a peer could dial
            }
        }
        throw new IllegalArgumentException("BASTION_NODE_ADDRESS '" + printable(address) + "' is not in this node's "
                + "certificate (it names " + String.join(", ", san) + "); peers would refuse it. Issue a bundle with "
                + "'bastion cluster join NODE --address " + printable(address) + "', or set the address it names");
    }

    /**
     * The node port serves peers the routed endpoints and nothing else, and re-checks the peer's certificate on every
     * request: a node revoked while its connection is open is cut off at its next request.
     */
    private void nodePortGate(Context ctx) {
        if (!onNodePort(ctx)) return;
        String peer = verifiedPeer(ctx);
        if (peer == null) {
            ErrorResponses.write(ctx, 403, "this node does not accept the caller's cluster certificate",
                    "permission_error", "node_not_accepted");
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(PEER_ATTRIBUTE, peer);
        if (!peerRoute(ctx)) throw new NotFoundResponse("not found");
    }

    /** What peers may ask on the node port: the routed endpoints; with replication, registry reads and copy requests. */
    private boolean peerRoute(Context ctx) {
        if (ctx.method() == HandlerType.POST && ROUTED.contains(ctx.path())) return true;
        if (replication == null) return false;
        if (ctx.method() == HandlerType.POST) return Replication.PATH.equals(ctx.path());
        // a drained node still serves these: that is how its models move elsewhere before it is retired
        return (ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD) && ctx.path().startsWith("/v2/");
    }

    /** A peer asks this node to copy a model (node port only: on the public port there is no such endpoint). */
    private void replicateHere(Context ctx) {
        Replication r = replication;
        ClusterMembership m = membership;
        if (!onNodePort(ctx) || r == null || m == null) throw new NotFoundResponse("not found");
        r.serve(ctx, m);
    }

    /** The calling node's name if its certificate still passes, else null (logged with the reason). */
    private String verifiedPeer(Context ctx) {
        if (!(ctx.req().getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData tls)
                || tls.sslSession() == null) {
            LOG.warn("a request on the node port carried no TLS session; refused");
            return null;
        }
        try {
            return identity.verifyPeer(tls.sslSession());
        } catch (SSLPeerUnverifiedException e) {
            LOG.warn("refused a request on the node port from {}: {}", ctx.req().getRemoteAddr(), e.getMessage());
            return null;
        }
    }

    private boolean onNodePort(Context ctx) {
        return ctx.req().getLocalPort() == settings.nodePort();
    }

    /** After authentication: serve here, or forward to the node placement picks (trying the next if it is gone). */
    private void route(Context ctx) {
        if (ctx.method() == HandlerType.GET && "/api/ps".equals(ctx.path()) && "true".equals(ctx.queryParam("cluster"))) {
            clusterPs(ctx);
            return;
        }
        if (ctx.method() != HandlerType.POST || !ROUTED.contains(ctx.path())) return;
        Principal caller = RequestContext.principal(ctx).orElse(null);
        if (onNodePort(ctx)) {
            String peer = ctx.attribute(PEER_ATTRIBUTE);
            record(ctx, caller, "cluster.serve", ctx.path(), Map.of("from", peer == null ? "unknown" : printable(peer)));
            return;
        }
        ClusterMembership m = membership;
        if (m == null || caller == null) return;
        String model = modelOf(ctx);
        if (model == null) return; // the endpoint answers a missing or malformed model itself
        List<String> names = candidates(model, caller);
        Set<String> tried = new HashSet<>(currentSuspects());
        Replication r = replication;
        if (r != null && placement.decide(m.self(), names, m.nodes(), tried) instanceof Placement.Pull pull
                && r.beforeRouting(ctx, pull, m)) {
            return; // answered: the copy failed, or takes longer than a request waits
        }
        while (true) {
            Optional<NodeState> target = placement.choose(m.self(), names, m.nodes(), tried);
            if (target.isEmpty() || target.get().name().equals(m.self())) return;
            NodeState node = target.get();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", Optional.ofNullable(ctx.contentType()).orElse("application/json"));
            headers.put(RequestContext.REQUEST_ID_HEADER, RequestContext.requestId(ctx));
            headers.put(ForwardedIdentity.HEADER, ForwardedIdentity.encode(caller,
                    ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE)));
            Forwarder.InFlight watch = new Forwarder.InFlight(node.name());
            inFlight.add(watch);
            try {
                record(ctx, caller, "cluster.forward", ctx.path(), Map.of("node", node.name(), "model", printable(model)));
                forwarder.forward(ctx, node.url(), ctx.path(), ctx.bodyAsBytes(), headers, watch);
                ctx.skipRemainingHandlers();
                return;
            } catch (Forwarder.Unreachable e) {
                LOG.warn("forwarding to node {} failed, placing again: {}", node.name(), e.getMessage());
                suspects.put(node.name(), System.currentTimeMillis() + SUSPECT_MILLIS);
                tried.add(node.name());
            } finally {
                inFlight.remove(watch);
            }
        }
    }

    /** A node left (or failed): what it reserved for requests it will never finish goes back to the users. */
    private void nodeGone(String node, Instant leftAt) {
        int released = releaseReservations.applyAsInt(node, leftAt);
        LOG.warn("node {} left the cluster; released {} credit reservation(s) it held", node, released);
        if (audit != null) {
            audit.append(new AuditEvent(null, "system", "cluster.node_gone", node, "success",
                    Map.of("released_reservations", Integer.toString(released))));
        }
    }

    /**
     * Ends forwards to nodes that left the cluster: a node that died closes its connections and the stream fails at
     * once, but a frozen or cut-off one keeps them open, and only Hazelcast's failure detection notices.
     */
    private void abandonGoneNodes() {
        ClusterMembership m = membership;
        if (m == null) return;
        for (Forwarder.InFlight watch : inFlight) {
            if (m.node(watch.node).isEmpty()) {
                if (!inFlight.remove(watch)) continue; // it ended meanwhile
                LOG.warn("node {} left the cluster; ending the request forwarded to it", watch.node);
                watch.abandon();
            }
        }
    }

    /**
     * Whichever node an admin called, the drain flag is in the shared state: the drained node itself turns its
     * {@code /health/ready} to 503, so load balancers stop sending it clients too. In-flight requests are not touched.
     */
    private void followDrainFlag() {
        ClusterMembership m = membership;
        Readiness r = readiness;
        if (m == null || r == null) return;
        boolean flagged = m.draining(m.self());
        if (flagged && !drainedReadiness) {
            r.drain();
            drainedReadiness = true;
            LOG.info("node {} drained by the cluster's flag: not ready for new requests", m.self());
        } else if (!flagged && drainedReadiness) {
            r.resume();
            drainedReadiness = false;
            LOG.info("node {} no longer drained by the cluster's flag", m.self());
        }
    }

    /** The stored names the model may resolve to for this caller, as the catalog resolves them: own namespace first. */
    static List<String> candidates(String model, Principal caller) {
        List<String> names = new ArrayList<>();
        if (!ModelName.isQualified(model) && ModelName.isUserNamespace(caller.userName())) {
            normalize(caller.userName() + "/" + model).ifPresent(names::add);
        }
        normalize(model).ifPresent(names::add);
        return names;
    }

    static Optional<String> normalize(String name) {
        try {
            return Optional.of(ModelName.parse(name).toString());
        } catch (IllegalArgumentException e) { // InvalidModelNameException among them
            return Optional.empty();
        }
    }

    private static String modelOf(Context ctx) {
        try {
            JsonNode model = JSON.readTree(ctx.bodyAsBytes()).path("model");
            return model.isTextual() ? model.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private Set<String> currentSuspects() {
        long now = System.currentTimeMillis();
        suspects.values().removeIf(until -> until < now);
        return suspects.keySet();
    }

    /** This node's state as the scheduler and store see it now. */
    NodeState localState() {
        List<String> held = models.held().stream().map(ClusterModule::normalize).flatMap(Optional::stream).sorted().toList();
        List<ModelScheduler.LoadedModel> loaded = models.loaded();
        int queue = loaded.stream().mapToInt(ModelScheduler.LoadedModel::activeRequests).sum();
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        Replication r = replication;
        return new NodeState(identity.nodeName(), "", settings.nodeUrl(), held,
                loaded.stream().map(l -> normalize(l.name()).orElse(l.name())).sorted().toList(),
                free, queue, throughput.tokensPerSecond(), false, 0,
                r == null ? Map.of() : r.local().sizes(held), r == null ? List.of() : r.local().pulling());
    }

    private void status(Context ctx) {
        ClusterMembership m = membership;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("self", identity.nodeName());
        body.put("nodes", m == null ? List.of() : m.nodes().stream().map(ClusterModule::view).toList());
        ctx.json(body);
    }

    private void clusterPs(Context ctx) {
        Principal caller = RequestContext.principal(ctx).orElse(null);
        if (caller == null || !caller.isAdmin()) {
            ErrorResponses.write(ctx, 403, "the cluster-wide list needs an admin key", "permission_error", "insufficient_scope");
            ctx.skipRemainingHandlers();
            return;
        }
        ClusterMembership m = membership;
        List<Map<String, Object>> rows = new ArrayList<>();
        if (m != null) {
            for (NodeState node : m.nodes()) {
                for (String model : node.loaded()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("name", model);
                    row.put("model", model);
                    row.put("node", node.name());
                    rows.add(row);
                }
            }
        }
        ctx.json(Map.of("models", rows));
        ctx.skipRemainingHandlers();
    }

    private void drain(Context ctx) throws IOException {
        JsonNode body = JSON.readTree(ctx.bodyAsBytes());
        String node = body.path("node").asText("");
        boolean drain = body.path("drain").asBoolean(true);
        ClusterMembership m = membership;
        if (m == null || (drain && m.node(node).isEmpty())) {
            ErrorResponses.write(ctx, 404, "no live node named '" + printable(node) + "'", "invalid_request_error", "node_not_found");
            return;
        }
        record(ctx, RequestContext.principal(ctx).orElse(null), drain ? "cluster.drain" : "cluster.undrain", node, Map.of());
        m.drain(node, drain);
        ctx.json(Map.of("node", node, "draining", drain));
    }

    private static Map<String, Object> view(NodeState n) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", n.name());
        v.put("url", n.url());
        v.put("held", n.held());
        v.put("loaded", n.loaded());
        v.put("queue", n.queue());
        v.put("free_memory_bytes", n.freeMemoryBytes());
        v.put("tokens_per_second", Math.round(n.tokensPerSecond() * 10) / 10.0);
        v.put("draining", n.draining());
        v.put("published_at", n.publishedAt());
        return v;
    }

    private String nodeBindHost() {
        return settings.loopbackOnly() ? settings.nodeAddress().replace("localhost", "127.0.0.1") : "0.0.0.0";
    }

    private void record(Context ctx, Principal caller, String action, String target, Map<String, String> details) {
        if (audit == null) return;
        audit.append(new AuditEvent(RequestContext.requestId(ctx), caller == null ? null : caller.userName(), action,
                target, "ok", details));
    }

    private static String printable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 128 ? clean : clean.substring(0, 128) + "...";
    }
}
