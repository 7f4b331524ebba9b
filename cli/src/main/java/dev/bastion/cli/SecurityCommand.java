package dev.bastion.cli;

import dev.bastion.security.AuditEvent;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Shared plumbing of the users, keys and audit commands: {@code --home}, output through picocli's writers, audit
 * records of what they change, and user errors as a message plus exit code 1.
 */
abstract class SecurityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        try (HomeOption opened = home) {
            return run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err().println("error: " + e.getMessage());
            return 1;
        }
    }

    abstract int run();

    /** Records a successful change in the audit log, made by the operating-system user running the CLI. */
    static void audit(SecurityServices services, String action, String target, Map<String, String> details) {
        services.audit().append(new AuditEvent(null, HomeOption.actor(), action, target, "success", details));
    }
}
