package dev.bastion.cli;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code bastion cluster init}: creates the cluster CA and the cluster's state-sealing key. */
@Command(name = "init", description = "Create the cluster CA in BASTION_HOME/cluster-ca (its key sealed under this "
        + "home's server secret). Run once, on the machine that will issue node certificates.")
final class ClusterInitCommand extends ClusterPkiCommand {

    @Override
    int execute() {
        if (ClusterCa.exists(caDirectory())) {
            throw new IllegalStateException("a cluster CA already exists in " + caDirectory() + "; refusing to replace it");
        }
        SecurityServices services = home.openSecurity();
        ClusterCa ca = ClusterCa.create(caDirectory(), services.secrets());
        String subject = ca.certificate().getSubjectX500Principal().getName();
        audit(services, "cluster.init", subject, Map.of());
        out().println("created the cluster CA " + subject + " in " + caDirectory());
        out().println("next: 'bastion cluster join NODE_NAME --address HOST_OR_IP' for each node (this one included)");
        return 0;
    }
}
