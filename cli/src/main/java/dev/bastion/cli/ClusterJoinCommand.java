package dev.bastion.cli;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.IssuedNode;
import dev.bastion.cluster.pki.NodeBundle;
import dev.bastion.cluster.pki.NodeName;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code bastion cluster join NODE --address A}: issues a node certificate and writes the node's bundle. */
@Command(name = "join", description = "Issue a certificate for a node and write its bundle (ca.crt, node.crt, node.key, "
        + "cluster.key, crl.pem). Run on the CA machine; copy the bundle to the node's BASTION_CLUSTER_DIR.")
final class ClusterJoinCommand extends ClusterPkiCommand {

    @Parameters(index = "0", paramLabel = "NODE_NAME", description = "lower-case letters, digits and hyphens, e.g. node-b")
    String name;

    @Option(names = "--address", required = true, split = ",", paramLabel = "HOST_OR_IP",
            description = "How peers reach the node (its certificate's subject alternative names; repeatable).")
    List<String> addresses;

    @Option(names = "--out", paramLabel = "DIR", description = "Bundle directory, new or empty (default: BASTION_HOME/cluster-bundles/NODE_NAME).")
    Path out;

    @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    int execute() {
        NodeName.require(name); // before the name becomes part of a path
        if (days < 1 || days > 3650) {
            throw new IllegalArgumentException("--days must be between 1 and 3650");
        }
        Path bundle = out != null ? out.toAbsolutePath() : home.resolve().resolve("cluster-bundles").resolve(name);
        SecurityServices services = home.openSecurity();
        ClusterCa ca = openCa(services);
        Instant now = Instant.now();
        IssuedNode issued = ca.issueNode(name, addresses, bundle, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(days)));
        audit(services, "cluster.join", name, Map.of("serial", issued.serialHex(), "addresses", String.join(",", addresses),
                "notAfter", issued.notAfter().toString()));
        out().println("issued node " + name + " (serial " + issued.serialHex() + ", valid until " + issued.notAfter() + ")");
        out().println("bundle: " + bundle);
        err().println("Copy the bundle to node " + name + "'s " + NodeBundle.ENV_DIR + " (default BASTION_HOME/"
                + NodeBundle.DEFAULT_DIR + ") over a private channel (e.g. scp -rp, keeping mode 0600), then delete this"
                + " copy: node.key and cluster.key are secrets.");
        return 0;
    }
}
