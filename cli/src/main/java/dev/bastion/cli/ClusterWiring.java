package dev.bastion.cli;

import dev.bastion.api.ServerConfig;
import dev.bastion.cluster.ClusterIdentity;
import dev.bastion.cluster.ClusterModule;
import dev.bastion.cluster.ClusterSettings;
import dev.bastion.cluster.pki.FileClusterIdentity;
import dev.bastion.credits.Credits;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.security.AuditLog;
import dev.bastion.store.ModelStore;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/** How {@code bastion serve} becomes a cluster node with {@code BASTION_CLUSTER=on} (see docs/cluster.md). */
final class ClusterWiring {

    private ClusterWiring() {
    }

    /**
     * The environment with {@code BASTION_NODE_NAME} set from this node's certificate when the cluster is on and it is
     * unset: nodes sharing one database each keep their own audit chain (and credit reservations) under that name.
     */
    static Map<String, String> withNodeName(Map<String, String> env, Path home) {
        ClusterSettings settings = ClusterSettings.fromEnvironment(env, home);
        if (!settings.enabled() || settings.nodeName() != null) return env;
        Map<String, String> named = new java.util.HashMap<>(env);
        named.put(ClusterSettings.ENV_NODE_NAME, FileClusterIdentity.load(settings.clusterDir()).nodeName());
        return Map.copyOf(named);
    }

    /** The server config with the cluster module when the environment turns it on; unchanged otherwise. */
    static ServerConfig withCluster(ServerConfig config, Map<String, String> env, Path home, boolean insecureNoAuth,
                                    AuditLog audit, Credits credits, PrintWriter out) {
        return withCluster(config, env, home, insecureNoAuth, audit, credits, out, null, null);
    }

    /**
     * As above; with a {@code store}, the node also copies models from peers when placement asks it to, checking
     * their signatures with {@code signatures} as a user's pull would (docs/cluster.md, "Replication").
     */
    static ServerConfig withCluster(ServerConfig config, Map<String, String> env, Path home, boolean insecureNoAuth,
                                    AuditLog audit, Credits credits, PrintWriter out, ModelStore store,
                                    SignatureGuard signatures) {
        ClusterSettings settings = ClusterSettings.fromEnvironment(env, home);
        if (!settings.enabled()) return config;
        // a peer's forwarded caller is only as good as the authentication the receiving node did
        if (insecureNoAuth) throw new IllegalArgumentException("a cluster node needs authentication (not --insecure-no-auth)");
        ClusterIdentity identity = FileClusterIdentity.load(settings.clusterDir());
        out.println("Cluster node '" + identity.nodeName() + "' of cluster '" + settings.clusterName() + "': node port "
                + settings.nodePort() + " (mutual TLS), member port " + settings.clusterPort() + ", members "
                + (settings.members().isEmpty() ? "(none: a cluster of one)" : String.join(",", settings.members())));
        ClusterModule cluster = new ClusterModule(settings, identity, audit,
                credits == null ? (node, leftAt) -> 0 : credits::releaseNode);
        if (store != null) cluster.replicating(store, signatures, ClusterModule.replicationWait(env));
        return config.withModule(cluster);
    }
}
