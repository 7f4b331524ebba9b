package dev.bastion.cli;

import dev.bastion.store.ModelStore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;

/** Base of the store commands: opens the store, and turns any failure into one line on stderr and exit code 1. */
abstract class StoreCommand implements Callable<Integer> {

    @Mixin
    StoreOptions storeOptions;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return run(storeOptions.open());
        } catch (Exception e) {
            err().println("Error: " + describe(e));
            return 1;
        }
    }

    abstract int run(ModelStore store) throws Exception;

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
