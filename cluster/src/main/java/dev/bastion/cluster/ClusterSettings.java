package dev.bastion.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A node's cluster configuration, from the environment ({@code BASTION_CLUSTER=on} and the names below).
 *
 * @param nodeName   the name this node must have (its certificate's); null: whatever the certificate says, which
 *                   {@code bastion cluster join} makes the host name by default
 * @param members    Hazelcast TCP/IP join list ({@code host:port}); empty: this node is a cluster of one
 * @param nodeAddress how peers reach {@link #nodePort} (host or IP, in the node certificate's SAN)
 * @param busyQueue  above this many queued generations, this node sends work for models others hold elsewhere
 * @param stateTtl   how long a node's published state lives without a refresh (a dead node's entry disappears then
 *                   even if no membership event removed it)
 * @param join       how this node finds the others ({@code BASTION_CLUSTER_JOIN})
 */
public record ClusterSettings(boolean enabled, String clusterName, String nodeName, List<String> members,
                              int clusterPort, int nodePort, String nodeAddress, Path clusterDir, int busyQueue,
                              Duration stateTtl, Duration failureDetection, Join join) {

    /** How members find each other: Hazelcast's own TCP/IP member list, multicast, or Kubernetes discovery. */
    public enum JoinMode { TCP, MULTICAST, KUBERNETES }

    /**
     * @param namespace Kubernetes namespace of the service (null: the pod's own, which Hazelcast reads from its
     *                  service account)
     * @param service   the (headless) service whose endpoints are the members; set exactly when mode is KUBERNETES
     */
    public record Join(JoinMode mode, String namespace, String service) {
        public static final Join TCP = new Join(JoinMode.TCP, null, null);

        public Join {
            java.util.Objects.requireNonNull(mode, "mode");
            if (mode == JoinMode.KUBERNETES && service == null) {
                throw new IllegalArgumentException(ENV_K8S_SERVICE + " must name the service when " + ENV_JOIN
                        + "=kubernetes");
            }
            if (mode != JoinMode.KUBERNETES && (namespace != null || service != null)) {
                throw new IllegalArgumentException(ENV_K8S_NAMESPACE + " and " + ENV_K8S_SERVICE + " are only for "
                        + ENV_JOIN + "=kubernetes");
            }
        }
    }

    public static final String ENV_CLUSTER = "BASTION_CLUSTER";
    public static final String ENV_CLUSTER_NAME = "BASTION_CLUSTER_NAME";
    public static final String ENV_NODE_NAME = "BASTION_NODE_NAME";
    public static final String ENV_MEMBERS = "BASTION_CLUSTER_MEMBERS";
    public static final String ENV_CLUSTER_PORT = "BASTION_CLUSTER_PORT";
    public static final String ENV_NODE_PORT = "BASTION_NODE_PORT";
    public static final String ENV_NODE_ADDRESS = "BASTION_NODE_ADDRESS";
    public static final String ENV_CLUSTER_DIR = "BASTION_CLUSTER_DIR";
    public static final String ENV_BUSY_QUEUE = "BASTION_CLUSTER_BUSY_QUEUE";
    public static final String ENV_JOIN = "BASTION_CLUSTER_JOIN";
    public static final String ENV_K8S_NAMESPACE = "BASTION_CLUSTER_K8S_NAMESPACE";
    public static final String ENV_K8S_SERVICE = "BASTION_CLUSTER_K8S_SERVICE";
    /** A Kubernetes namespace or service name: an RFC 1123 label (it goes into an API server URL). */
    private static final java.util.regex.Pattern K8S_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ClusterSettings {
        members = List.copyOf(members);
        requirePort(ENV_CLUSTER_PORT, clusterPort);
        requirePort(ENV_NODE_PORT, nodePort);
        if (busyQueue < 1) throw new IllegalArgumentException(ENV_BUSY_QUEUE + " must be at least 1");
        java.util.Objects.requireNonNull(join, "join");
        if (join.mode() != JoinMode.TCP && !members.isEmpty()) {
            throw new IllegalArgumentException(ENV_MEMBERS + " is only for " + ENV_JOIN + "=tcp");
        }
    }

    /** Joining by a TCP/IP member list, as before the join modes. */
    public ClusterSettings(boolean enabled, String clusterName, String nodeName, List<String> members, int clusterPort,
                           int nodePort, String nodeAddress, Path clusterDir, int busyQueue, Duration stateTtl,
                           Duration failureDetection) {
        this(enabled, clusterName, nodeName, members, clusterPort, nodePort, nodeAddress, clusterDir, busyQueue,
                stateTtl, failureDetection, Join.TCP);
    }

    /** @param home BASTION_HOME, under which the certificate bundle lives by default */
    public static ClusterSettings fromEnvironment(Map<String, String> env, Path home) {
        boolean enabled = switch (value(env, ENV_CLUSTER, "off").toLowerCase(Locale.ROOT)) {
            case "on", "true", "1" -> true;
            case "off", "false", "0" -> false;
            default -> throw new IllegalArgumentException(ENV_CLUSTER + " must be on or off");
        };
        List<String> members = Arrays.stream(value(env, ENV_MEMBERS, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String member : members) {
            if (!member.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
                throw new IllegalArgumentException(ENV_MEMBERS + " must list host:port entries separated by commas");
            }
        }
        String dir = value(env, ENV_CLUSTER_DIR, "");
        return new ClusterSettings(enabled, value(env, ENV_CLUSTER_NAME, "bastion"),
                env.get(ENV_NODE_NAME) == null || env.get(ENV_NODE_NAME).isBlank() ? null : env.get(ENV_NODE_NAME).trim(), members, integer(env, ENV_CLUSTER_PORT, 5701),
                integer(env, ENV_NODE_PORT, 11435), value(env, ENV_NODE_ADDRESS, "127.0.0.1"),
                dir.isEmpty() ? home.resolve("cluster") : Path.of(dir), integer(env, ENV_BUSY_QUEUE, 4),
                Duration.ofSeconds(10), Duration.ofSeconds(5), join(env));
    }

    private static Join join(Map<String, String> env) {
        JoinMode mode = switch (value(env, ENV_JOIN, "tcp").toLowerCase(Locale.ROOT)) {
            case "tcp" -> JoinMode.TCP;
            case "multicast" -> JoinMode.MULTICAST;
            case "kubernetes" -> JoinMode.KUBERNETES;
            default -> throw new IllegalArgumentException(ENV_JOIN + " must be tcp, multicast or kubernetes");
        };
        return new Join(mode, k8sName(env, ENV_K8S_NAMESPACE), k8sName(env, ENV_K8S_SERVICE));
    }

    private static String k8sName(Map<String, String> env, String name) {
        String v = value(env, name, "");
        if (v.isEmpty()) return null;
        if (!K8S_NAME.matcher(v).matches()) {
            throw new IllegalArgumentException(name + " must be a Kubernetes name (lower-case letters, digits and inner"
                    + " hyphens, at most 63)");
        }
        return v;
    }

    /** The URL peers forward to. */
    public String nodeUrl() {
        String host = nodeAddress.contains(":") && !nodeAddress.startsWith("[") ? "[" + nodeAddress + "]" : nodeAddress;
        return "https://" + host + ":" + nodePort;
    }

    /** Peers reach this node on loopback: its listeners need not (and so do not) listen on the network. */
    public boolean loopbackOnly() {
        return nodeAddress.equals("localhost") || nodeAddress.startsWith("127.") || nodeAddress.equals("::1");
    }

    private static String value(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String v = value(env, name, "");
        if (v.isEmpty()) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number");
        }
    }

    private static void requirePort(String name, int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException(name + " must be a port (1-65535)");
    }
}
