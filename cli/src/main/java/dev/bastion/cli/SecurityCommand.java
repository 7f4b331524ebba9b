package dev.bastion.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** Shared plumbing: output through picocli's writers, and user errors as a message plus exit code 1. */
abstract class SecurityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err().println("error: " + e.getMessage());
            return 1;
        }
    }

    abstract int run();
}
