package dev.bastion.cli;

import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.Callable;

/** Base of the store commands: opens the store, and turns any failure into one line on stderr and exit code 1. */
abstract class StoreCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Spec
    CommandSpec spec;

    private AuditLog audit;

    @Override
    public final Integer call() {
        try (HomeOption opened = home) {
            return run(home.openStore(encrypt()));
        } catch (Exception e) {
            err().println("Error: " + describe(e));
            return 1;
        }
    }

    abstract int run(ModelStore store) throws Exception;

    /** Whether the command writes its model encrypted whatever the home's switch ({@code create --encrypt}). */
    boolean encrypt() {
        return false;
    }

    interface StoreOperation<T> {
        T run() throws Exception;
    }

    /**
     * Runs a model operation and appends it to the home's audit log (the server's chain) as the operating-system
     * user, with outcome success or failure.
     */
    <T> T audited(String action, String model, Map<String, String> details, StoreOperation<T> operation) throws Exception {
        T result;
        try {
            result = operation.run();
        } catch (Exception e) {
            appendAudit(action, model, "failure", details);
            throw e;
        }
        appendAudit(action, model, "success", details);
        return result;
    }

    private void appendAudit(String action, String model, String outcome, Map<String, String> details) {
        if (audit == null) {
            audit = home.openSecurity().audit();
        }
        audit.append(new AuditEvent(null, HomeOption.actor(), action, model, outcome, details));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The JDK's file exceptions carry only the path as message; say what went wrong with it. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) return "no such file or directory: " + f.getFile();
        if (e instanceof AccessDeniedException f) return "permission denied: " + f.getFile();
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getFile() + ": " + f.getReason();
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }
}
