package dev.bastion.mcp.builtin;

import dev.bastion.engine.generate.CancellationToken;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one program under a {@link ProcessConfinement}: no shell, a scrubbed environment, the workspace as working
 * directory, {@code /dev/null} as input, a wall-clock timeout and an output cap. Whatever ends it (exit, timeout, cap,
 * cancellation), every process it started is then killed: its process group, its descendants, and its cgroup's members.
 */
final class ShellRun {

    static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final Duration DRAIN = Duration.ofSeconds(2);

    enum Ending { EXITED, TIMED_OUT, OUTPUT_CAPPED, CANCELLED }

    record Outcome(Ending ending, int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
    }

    private final ProcessConfinement confinement;
    private final ShellLimits limits;

    ShellRun(ProcessConfinement confinement, ShellLimits limits) {
        this.confinement = confinement;
        this.limits = limits;
    }

    Outcome run(Path program, List<String> arguments, Path workspace, Duration timeout, CancellationToken cancel) throws IOException {
        PidsCgroup.Call group = confinement.cgroup().isPresent() ? confinement.cgroup().get().create(limits.maxProcesses()) : null;
        long start = System.nanoTime();
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(confinement.commandLine(program, arguments, limits, group))
                    .directory(workspace.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> environment = builder.environment();
            environment.clear();
            environment.put("PATH", PATH);
            environment.put("HOME", workspace.toString());
            environment.put("LANG", "C.UTF-8");
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            if (group != null) group.remove();
            throw e;
        }
        AtomicLong total = new AtomicLong();
        AtomicBoolean capped = new AtomicBoolean();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), stdout, total, capped));
        Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), stderr, total, capped));
        Ending ending = Ending.EXITED;
        long deadline = start + timeout.toNanos();
        try {
            while (!process.waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (capped.get()) {
                    ending = Ending.OUTPUT_CAPPED;
                    break;
                }
                if (cancel.isCancelled()) {
                    ending = Ending.CANCELLED;
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    ending = Ending.TIMED_OUT;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ending = Ending.CANCELLED;
        } finally {
            killEverything(process, group);
        }
        join(outReader, errReader, process);
        if (ending == Ending.EXITED && capped.get()) ending = Ending.OUTPUT_CAPPED;
        int exitCode = process.isAlive() ? -1 : process.exitValue();
        return new Outcome(ending, exitCode, stdout.toByteArray(), stderr.toByteArray(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Keeps at most the cap (both streams together); past it, stops reading and flags the run to be killed. */
    private void drain(InputStream in, ByteArrayOutputStream sink, AtomicLong total, AtomicBoolean capped) {
        byte[] buffer = new byte[8192];
        try (in) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                long before = total.getAndAdd(read);
                long room = limits.maxOutputBytes() - before;
                if (room > 0) {
                    synchronized (sink) {
                        sink.write(buffer, 0, (int) Math.min(room, read));
                    }
                }
                if (before + read > limits.maxOutputBytes()) {
                    capped.set(true);
                    return;
                }
            }
        } catch (IOException closed) {
            // killed, or the pipe was closed to stop a stuck reader
        }
    }

    private void killEverything(Process process, PidsCgroup.Call group) {
        List<ProcessHandle> descendants = process.descendants().toList();
        if (confinement.ownProcessGroup()) Signals.killGroup(process.pid());
        for (ProcessHandle descendant : descendants) descendant.destroyForcibly();
        // Through the handle: Process.destroyForcibly would also close the pipes, losing output not read yet.
        process.toHandle().destroyForcibly();
        try {
            process.waitFor(DRAIN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (group != null) group.killAllAndRemove(System.nanoTime() + DRAIN.toNanos());
    }

    /** Waits for the readers; a descendant that escaped every kill and holds a pipe open cannot keep the call waiting. */
    private static void join(Thread outReader, Thread errReader, Process process) {
        try {
            if (!outReader.join(DRAIN) | !errReader.join(DRAIN)) {
                process.getInputStream().close();
                process.getErrorStream().close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
