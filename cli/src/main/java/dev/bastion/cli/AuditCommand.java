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
            SecurityServices services = home.openSecurity();
            if (!Files.exists(services.audit().file())) {
                out().println("ok, 0 records (no audit log yet at " + services.audit().file() + ")");
                return 0;
            }
            AuditLog.VerificationResult result = services.verifyAudit();
            if (result.ok()) {
                out().println(result.describe());
                return 0;
            }
            err().println("audit log " + services.audit().file() + " is damaged: " + result.describe());
            return 1;
        }
    }
}
