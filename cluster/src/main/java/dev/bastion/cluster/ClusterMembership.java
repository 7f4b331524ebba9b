package dev.bastion.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.KubernetesConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * This node as a member of the cluster: an embedded Hazelcast member (TCP/IP, multicast or Kubernetes join; Hazelcast's own heartbeat failure
 * detection) that publishes this node's {@link NodeState} into a shared map, sealed, and keeps a snapshot of every
 * node's state for placement.
 * <p>
 * No CP subsystem: node states are each written by one node only and read as hints (a stale one costs one failed hop,
 * retried elsewhere), and the drain flags are idempotent set/unset by an admin. Nothing here needs linearizability;
 * it would be needed for exact cross-node counters or locks (e.g. a per-user concurrency cap), which the shared
 * PostgreSQL database provides today.
 */
public final class ClusterMembership implements AutoCloseable {

    static final String NODES_MAP = "bastion.nodes";
    static final String DRAIN_MAP = "bastion.drain";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
    private static final Duration PUBLISH_EVERY = Duration.ofSeconds(3);

    private final ClusterSettings settings;
    private final String self;
    private final SealedStates sealed;
    private final Supplier<NodeState> local;
    private final HazelcastInstance hazelcast;
    private final IMap<String, byte[]> nodes;
    private final IMap<String, byte[]> drains;
    private final ScheduledExecutorService timer;
    private final Map<String, Long> unreadableLogged = new ConcurrentHashMap<>();
    /** Member UUID to node name, of every state this node has opened: who a removed member was. */
    private final Map<String, String> knownMembers = new ConcurrentHashMap<>();
    private final BiConsumer<String, Instant> nodeGone;
    private volatile Map<String, NodeState> snapshot = Map.of();
    private volatile Set<String> drained = Set.of();
    private NodeState lastPublished;
    private long lastPublishedAt;

    /**
     * Joins (or forms) the cluster and starts publishing.
     *
     * @param local this node's current state; name, url, member and time are filled in here
     */
    public ClusterMembership(ClusterSettings settings, ClusterIdentity identity, Supplier<NodeState> local) {
        this(settings, identity, local, (node, at) -> { });
    }

    /**
     * @param nodeGone told, on one survivor only (the oldest member), which node left the cluster and when: it cleans up
     *                 after the dead node (its credit reservations)
     */
    public ClusterMembership(ClusterSettings settings, ClusterIdentity identity, Supplier<NodeState> local,
                             BiConsumer<String, Instant> nodeGone) {
        this.nodeGone = nodeGone;
        this.settings = settings;
        this.self = identity.nodeName();
        this.sealed = new SealedStates(identity.stateKey());
        this.local = local;
        this.hazelcast = Hazelcast.newHazelcastInstance(config(settings, self));
        this.nodes = hazelcast.getMap(NODES_MAP);
        this.drains = hazelcast.getMap(DRAIN_MAP);
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                LOG.info("cluster member joined: {}", event.getMember().getAddress());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                LOG.warn("cluster member left or failed: {}", event.getMember().getAddress());
                Instant leftAt = Instant.now();
                String uuid = event.getMember().getUuid().toString();
                forget(uuid);
                String name = knownMembers.remove(uuid);
                // One survivor cleans up: Hazelcast's member list is in join order, the same on every member, so the
                // oldest is one node. Should two act during a membership change, each cleanup is idempotent anyway.
                if (name != null && !name.equals(self) && oldest(event)) timer.execute(() -> cleanUp(name, leftAt));
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bastion-cluster-state");
            t.setDaemon(true);
            return t;
        });
        tick();
        timer.scheduleWithFixedDelay(this::tick, 500, 500, TimeUnit.MILLISECONDS);
    }

    private static boolean oldest(MembershipEvent event) {
        var members = event.getMembers().iterator();
        return members.hasNext() && members.next().localMember();
    }

    private void cleanUp(String node, Instant leftAt) {
        try {
            nodeGone.accept(node, leftAt);
        } catch (RuntimeException e) {
            LOG.warn("cleaning up after node {} failed (its reservations expire in time): {}", node, e.toString());
        }
    }

    static Config config(ClusterSettings settings, String nodeName) {
        Config config = new Config();
        config.setClusterName(settings.clusterName());
        config.setInstanceName("bastion-" + nodeName + "-" + settings.clusterPort());
        config.getJetConfig().setEnabled(false);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // Failure detection: a member that misses heartbeats this long is removed (default is 60 s).
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(settings.failureDetection().toSeconds()));
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(settings.clusterPort()).setPortAutoIncrement(false);
        network.setPublicAddress(settings.nodeAddress() + ":" + settings.clusterPort());
        if (settings.loopbackOnly()) {
            // a node peers reach on loopback keeps its unauthenticated member port off the network too
            config.setProperty("hazelcast.socket.bind.any", "false");
            network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        ClusterSettings.Join how = settings.join();
        switch (how.mode()) {
            case TCP -> join.getTcpIpConfig().setEnabled(true).setMembers(settings.members()).setConnectionTimeoutSeconds(2);
            // anyone on the segment may answer; sealed state keeps them from reading or planting entries
            case MULTICAST -> join.getMulticastConfig().setEnabled(true).setLoopbackModeEnabled(settings.loopbackOnly());
            case KUBERNETES -> {
                // Hazelcast's built-in discovery: asks the API server for the service's endpoints (the pod's service
                // account needs get/list on endpoints); members are dialled on the member port
                KubernetesConfig k8s = join.getKubernetesConfig().setEnabled(true)
                        .setProperty("service-name", how.service())
                        .setProperty("service-port", Integer.toString(settings.clusterPort()));
                if (how.namespace() != null) k8s.setProperty("namespace", how.namespace());
            }
        }
        return config;
    }

    public String self() {
        return self;
    }

    /** The live nodes' states this node can open, this node's included. */
    public Collection<NodeState> nodes() {
        return snapshot.values();
    }

    public Optional<NodeState> node(String name) {
        return Optional.ofNullable(snapshot.get(name));
    }

    /** Marks a node as draining (no new requests routed to it) or takes it back; seen by every node within a second. */
    public void drain(String name, boolean drain) {
        if (drain) {
            drains.put(name, sealed.seal(drainMarker(name)));
        } else {
            drains.remove(name);
        }
        tick();
    }

    /** Whether an admin flagged this node as draining (read from the shared state at the last refresh). */
    public boolean draining(String name) {
        return drained.contains(name);
    }

    /** Runs on the timer: reads the drain flags and every node's state, and publishes this node's when it changed. */
    private synchronized void tick() {
        try {
            drained = readDrains();
            publish();
            refresh();
        } catch (RuntimeException e) {
            if (hazelcast.getLifecycleService().isRunning()) LOG.warn("cluster state refresh failed: {}", e.toString());
        }
    }

    private void publish() {
        NodeState current = local.get();
        NodeState state = new NodeState(self, hazelcast.getCluster().getLocalMember().getUuid().toString(),
                settings.nodeUrl(), current.held(), current.loaded(), current.freeMemoryBytes(), current.queue(),
                current.tokensPerSecond(), drained.contains(self), 0, current.sizes(), current.pulling());
        long now = System.currentTimeMillis();
        boolean changed = lastPublished == null || !state.equals(lastPublished);
        if (!changed && now - lastPublishedAt < PUBLISH_EVERY.toMillis()) return;
        NodeState stamped = new NodeState(state.name(), state.member(), state.url(), state.held(), state.loaded(),
                state.freeMemoryBytes(), state.queue(), state.tokensPerSecond(), state.draining(), now, state.sizes(),
                state.pulling());
        nodes.put(self, sealed.seal(stamped), settings.stateTtl().toMillis(), TimeUnit.MILLISECONDS);
        lastPublished = state;
        lastPublishedAt = now;
    }

    private void refresh() {
        long now = System.currentTimeMillis();
        Set<String> liveMembers = new java.util.HashSet<>();
        hazelcast.getCluster().getMembers().forEach(m -> liveMembers.add(m.getUuid().toString()));
        Map<String, NodeState> fresh = new java.util.TreeMap<>();
        for (Map.Entry<String, byte[]> entry : nodes.entrySet()) {
            Optional<NodeState> state = sealed.open(entry.getKey(), entry.getValue());
            if (state.isEmpty()) {
                unreadable(entry.getKey());
                continue;
            }
            NodeState s = state.get();
            if (!s.member().isEmpty() && liveMembers.contains(s.member())) knownMembers.put(s.member(), s.name());
            // replayed old entries and entries of members that are gone are not believed
            if (now - s.publishedAt() > settings.stateTtl().toMillis() || !liveMembers.contains(s.member())) continue;
            fresh.put(s.name(), s.draining(s.draining() || drained.contains(s.name())));
        }
        snapshot = Map.copyOf(fresh);
    }

    private Set<String> readDrains() {
        Set<String> names = new java.util.HashSet<>();
        for (Map.Entry<String, byte[]> entry : drains.entrySet()) {
            sealed.open(entry.getKey(), entry.getValue()).ifPresentOrElse(s -> names.add(s.name()),
                    () -> unreadable("drain:" + entry.getKey()));
        }
        return Set.copyOf(names);
    }

    /** A drain flag is a sealed marker, so a machine without the key cannot take nodes out of service. */
    private static NodeState drainMarker(String name) {
        return new NodeState(name, "", "drain", List.of(), List.of(), 0, 0, 0, true, System.currentTimeMillis());
    }

    private void forget(String memberUuid) {
        try {
            for (Map.Entry<String, byte[]> entry : nodes.entrySet()) {
                sealed.open(entry.getKey(), entry.getValue()).filter(s -> s.member().equals(memberUuid))
                        .ifPresent(s -> nodes.remove(entry.getKey(), entry.getValue()));
            }
        } catch (RuntimeException e) {
            LOG.warn("removing a failed member's state failed: {}", e.toString());
        }
        timer.execute(this::tick);
    }

    /** Logged once a minute per key: an entry that does not open is a foreign or tampering member, or a wrong key. */
    private void unreadable(String key) {
        long now = System.currentTimeMillis();
        Long last = unreadableLogged.get(key);
        if (last == null || now - last > 60_000) {
            unreadableLogged.put(key, now);
            LOG.warn("ignoring a cluster state entry that does not open with this cluster's key (key '{}')",
                    key.replaceAll("\\p{Cntrl}", "?").substring(0, Math.min(key.length(), 64)));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            nodes.remove(self);
        } catch (RuntimeException e) {
            LOG.debug("removing this node's state on close failed: {}", e.toString());
        }
        hazelcast.shutdown();
    }
}
