package dev.bastion.mcp.builtin.docker;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Docker-compatible engine for tests: Debian's {@code podman} serving the Docker Engine API ({@code podman
 * system service}) on a Unix socket, as a child process with its own storage in a temp directory (nothing touches the
 * machine's containers). No registry is needed: the one image is a busybox-static root file system imported from a
 * tar. Containers run with {@code runc} (crun refuses the hybrid cgroup layout of these machines), no network, and
 * rlimits no higher than this process's (without CAP_SYS_RESOURCE the runtime cannot raise them). One engine per test
 * JVM; skipped with a loud message on a developer machine without podman, a failure under {@code CI=true}.
 */
final class TestPodman {

    static final String IMAGE = "localhost/bastion-test-busybox:1";
    private static final long NOFILE = Math.min(1024, hardLimit("Max open files"));
    private static final long NPROC = Math.min(4096, hardLimit("Max processes"));
    private static volatile TestPodman shared;
    private static volatile String unavailable;

    private final Path directory;
    private final Process service;

    private TestPodman(Path directory, Process service) {
        this.directory = directory;
        this.service = service;
    }

    static synchronized TestPodman shared() {
        if (shared == null && unavailable == null) {
            try {
                shared = start();
                Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "test-podman-stop"));
            } catch (IOException | RuntimeException e) {
                unavailable = "cannot start a test podman engine: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unavailable = "interrupted while starting a test podman engine";
            }
        }
        if (unavailable != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(unavailable + " (CI=true: the docker tool's tests must run; .ci/run installs podman,"
                        + " runc and busybox-static)");
            }
            System.err.println("*** SKIPPING docker tool engine tests: " + unavailable
                    + " — install Debian's podman, runc and busybox-static to run them ***");
            Assumptions.abort(unavailable);
        }
        return shared;
    }

    Path socket() {
        return directory.resolve("podman.sock");
    }

    /** {@code podman run -d} (or {@code create} when {@code start} is false) of the test image; returns the id. */
    String container(boolean start, List<String> options, String script) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(start ? "run" : "create", start ? "-d" : "--quiet",
                "--network", "none", "--ulimit", "nofile=" + NOFILE + ":" + NOFILE, "--ulimit", "nproc=" + NPROC + ":" + NPROC));
        args.addAll(options);
        args.addAll(List.of(IMAGE, "/bin/sh", "-c", script));
        return podman(args.toArray(String[]::new)).strip();
    }

    String podman(String... args) throws IOException, InterruptedException {
        return run(command(args), 120);
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "--root", directory.resolve("root").toString(),
                "--runroot", directory.resolve("run").toString(), "--tmpdir", directory.resolve("tmp").toString(),
                "--runtime", "runc", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                "--events-backend", "file"));
        command.addAll(List.of(args));
        return command;
    }

    private static TestPodman start() throws IOException, InterruptedException {
        for (String tool : List.of("podman", "runc")) {
            if (which(tool) == null) throw new IllegalStateException("no '" + tool + "' on PATH");
        }
        Path busybox = Stream.of("/bin/busybox", "/usr/bin/busybox").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElseThrow(() -> new IllegalStateException("no /bin/busybox (Debian's busybox-static)"));
        // Under /tmp: a Unix socket's path must stay within 107 bytes.
        Path directory = Files.createTempDirectory(Path.of("/tmp"), "bastion-podman-");
        TestPodman engine = new TestPodman(directory, null);
        Path rootfs = Files.createDirectories(directory.resolve("rootfs/bin"));
        Files.copy(busybox, rootfs.resolve("busybox"));
        Files.createSymbolicLink(rootfs.resolve("sh"), Path.of("busybox"));
        run(List.of("tar", "-C", directory.resolve("rootfs").toString(), "-cf", directory.resolve("rootfs.tar").toString(),
                "."), 60);
        engine.podman("import", "--quiet", directory.resolve("rootfs.tar").toString(), IMAGE);
        Process service = new ProcessBuilder(engine.command("system", "service", "--time=0",
                "unix://" + engine.socket()))
                .redirectErrorStream(true).redirectOutput(directory.resolve("service.log").toFile()).start();
        TestPodman started = new TestPodman(directory, service);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!started.accepting()) {
            if (!service.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(directory.resolve("service.log"));
                started.stop();
                throw new IllegalStateException("podman system service did not start: " + log.strip());
            }
            Thread.sleep(50);
        }
        return started;
    }

    private boolean accepting() {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket()));
        } catch (IOException e) {
            return false;
        }
    }

    private void stop() {
        try {
            podman("rm", "--all", "--force", "--time", "0");
        } catch (IOException | RuntimeException e) {
            System.err.println("removing the test containers failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (service != null) {
            service.descendants().forEach(ProcessHandle::destroy);
            service.destroy();
            try {
                service.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        awaitNoProcessUsing(directory.toString());
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind
        }
    }

    /** This process's hard limit of that name (from /proc/self/limits); unlimited when unreadable. */
    private static long hardLimit(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith(name)) {
                    String hard = line.substring(name.length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or an unexpected layout: keep the defaults
        }
        return Long.MAX_VALUE;
    }

    /** conmon runs {@code podman container cleanup} as each container exits; it would recreate the storage. */
    private static void awaitNoProcessUsing(String directory) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && ProcessHandle.allProcesses()
                .anyMatch(p -> p.info().commandLine().map(line -> line.contains(directory)).orElse(false))) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Runs a command; its stdout (stderr only goes into the failure message). */
    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        java.util.concurrent.CompletableFuture<byte[]> errors = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): "
                    + new String(errors.join(), StandardCharsets.UTF_8).strip());
        }
        return new String(output, StandardCharsets.UTF_8);
    }

    private static Path which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
