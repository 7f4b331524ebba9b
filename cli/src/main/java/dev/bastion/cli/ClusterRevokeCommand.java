package dev.bastion.cli;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.NodeName;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code bastion cluster revoke NODE}: puts every certificate issued to a node on the CA's revocation list. */
@Command(name = "revoke", description = "Revoke every certificate issued to a node: adds them to the CA-signed crl.pem, "
        + "which must then be copied to every node's BASTION_CLUSTER_DIR.")
final class ClusterRevokeCommand extends ClusterPkiCommand {

    @Parameters(index = "0", paramLabel = "NODE_NAME")
    String name;

    @Override
    int execute() {
        NodeName.require(name);
        SecurityServices services = home.openSecurity();
        ClusterCa ca = openCa(services);
        List<BigInteger> revoked = ca.revoke(name);
        if (revoked.isEmpty()) {
            out().println("node " + name + " has no certificate left to revoke");
            return 0;
        }
        String serials = revoked.stream().map(s -> s.toString(16).toUpperCase(Locale.ROOT)).collect(Collectors.joining(","));
        audit(services, "cluster.revoke", name, Map.of("serials", serials));
        out().println("revoked node " + name + " (serial " + serials + ")");
        out().println("now copy " + ca.directory().resolve(ClusterCa.CRL) + " to every node's cluster directory;"
                + " nodes pick it up at the next connection, no restart needed");
        return 0;
    }
}
