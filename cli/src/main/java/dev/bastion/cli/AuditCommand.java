package dev.bastion.cli;

import dev.bastion.security.AuditLog;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Files;

/** {@code bastion audit verify}. */
@Command(name = "audit", description = "Inspect the audit log.", mixinStandardHelpOptions = true,
        subcommands = {AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", description = "Check the audit hash chain; exit 1 naming the first bad record.")
    static final class Verify extends SecurityCommand {

        @Override
        int run() {
            // Opens nothing that creates: a missing server secret is reported, never replaced.
            java.nio.file.Path file = home.resolve().resolve(AuditLog.FILE_NAME);
            java.util.Map<String, String> env;
            try {
                env = ClusterWiring.withNodeName(home.environment, home.resolve()); // a cluster node's own chain
            } catch (IllegalStateException | IllegalArgumentException e) {
                err().println("audit log " + file + ": cannot tell this node's name: " + e.getMessage());
                return 1;
            }
            AuditLog.VerificationResult result = SecurityServices.verifyAudit(home.resolve(), env);
            String chain = SecurityServices.nodeName(env);
            String prefix = chain.equals(dev.bastion.security.AuditAnchor.LOCAL) ? "" : "node " + chain + ": ";
            if (result.ok()) {
                out().println(prefix + result.describe() + (Files.exists(file) ? "" : " (no audit log yet at " + file + ")"));
                return 0;
            }
            err().println(prefix + "audit log " + file + ": " + result.describe());
            return 1;
        }
    }
}
