package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ToolResult;
import dev.bastion.security.db.Database;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.bastion.mcp.builtin.BuiltinToolHarness.args;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The shell tool against injection, disallowed programs, runaway processes and floods of output. */
class ShellToolHostileTest {

    private static final ShellLimits LIMITS = new ShellLimits(Duration.ofSeconds(10), Duration.ofSeconds(20), 1 << 20,
            32, 1L << 30, 10, 16L << 20, 64);

    @TempDir
    Path home;
    Path workspace;
    CommandAllowlist allowlist;
    ProcessConfinement confinement;
    ShellTool shell;

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(home.resolve("workspaces/alice"));
        allowlist = new CommandAllowlist(Database.openHome(home.resolve("db")));
        for (String program : List.of("/usr/bin/printf", "/usr/bin/env", "/usr/bin/pwd", "/usr/bin/cat", "/usr/bin/sleep",
                "/usr/bin/head", "/usr/bin/yes")) {
            allowlist.allow(program, "test");
        }
        confinement = ProcessConfinement.detect();
        shell = new ShellTool(allowlist, confinement, LIMITS);
    }

    private ToolResult run(JsonNode arguments) throws Exception {
        return BuiltinToolHarness.call(shell, workspace, "run", arguments, new CancellationToken());
    }

    private static String stdout(ToolResult result) {
        return result.structuredContent().get("stdout").asText();
    }

    private static String ending(ToolResult result) {
        return result.structuredContent().get("ending").asText();
    }

    @Test
    void injectionAttemptsAreLiteralArguments() throws Exception {
        List<String> hostile = List.of("; rm -rf .", "$(touch pwned)", "`touch pwned2`", "a\nb; touch pwned3", "| touch pwned4",
                "&& touch pwned5", "${HOME}", "*", "> out");
        List<String> printed = new java.util.ArrayList<>(List.of("%s|"));
        printed.addAll(hostile);
        ToolResult result = run(args("command", "/usr/bin/printf", "args", printed));
        assertThat(result.isError()).isFalse();
        assertThat(stdout(result)).isEqualTo(String.join("|", hostile) + "|");
        try (Stream<Path> entries = Files.list(workspace)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void optionsAfterDoubleDashGoToTheProgramNotToTheSandboxsWrappers() throws Exception {
        ToolResult result = run(args("command", "/usr/bin/printf", "args",
                List.of("%s|", "--", "--nproc=100000", "-g", "pids:/", "--help")));
        assertThat(stdout(result)).isEqualTo("--|--nproc=100000|-g|pids:/|--help|");
        assertThat(result.structuredContent().get("exit_code").asInt()).isZero();
    }

    @Test
    void anArgumentMatchingTheCommandsDenyPatternIsRefused() throws Exception {
        allowlist.allow("/usr/bin/printf", List.of("--.*"), "test");
        ToolResult refused = run(args("command", "/usr/bin/printf", "args", List.of("%s", "--version")));
        assertThat(refused.isError()).isTrue();
        assertThat(refused.joinedText()).isEqualTo("argument 2 is not allowed for this command by the admin's rule");
        assertThat(stdout(run(args("command", "/usr/bin/printf", "args", List.of("%s", "-x-"))))).isEqualTo("-x-");
    }

    @Test
    void aDisallowedProgramIsRefused() throws Exception {
        ToolResult result = run(args("command", "/usr/bin/id"));
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).isEqualTo("the command is not on the allowlist");
    }

    @Test
    void anAllowedNameElsewhereOrOnPathIsRefused() throws Exception {
        Path copy = Files.copy(Path.of("/usr/bin/printf"), workspace.resolve("printf"));
        assertThat(copy.toFile().setExecutable(true)).isTrue();
        assertThat(run(args("command", copy.toString(), "args", List.of("x"))).joinedText()).isEqualTo("the command is not on the allowlist");
        assertThat(run(args("command", "printf", "args", List.of("x"))).joinedText()).contains("absolute path");
        assertThat(run(args("command", "/usr/bin/../bin/id")).joinedText()).isEqualTo("the command is not on the allowlist");
        assertThat(run(args("command", "/usr/bin/printf\u0000/usr/bin/id")).joinedText()).contains("NUL");
        assertThat(run(args("command", "/usr/bin/printf", "args", List.of("a\u0000b"))).joinedText()).contains("NUL");
    }

    @Test
    void aLinkToAnAllowedProgramRunsItUnderItsOwnNameAndARetargetedLinkIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("tool"), Path.of("/usr/bin/printf"));
        ToolResult viaLink = run(args("command", link.toString(), "args", List.of("ok")));
        assertThat(stdout(viaLink)).isEqualTo("ok");
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("/usr/bin/id"));
        assertThat(run(args("command", link.toString())).joinedText()).isEqualTo("the command is not on the allowlist");
    }

    @Test
    void theEnvironmentIsScrubbedAndTheWorkspaceIsTheWorkingDirectory() throws Exception {
        ToolResult env = run(args("command", "/usr/bin/env"));
        assertThat(stdout(env).lines().sorted().toList())
                .containsExactly("HOME=" + workspace.toAbsolutePath(), "LANG=C.UTF-8", "PATH=" + ShellRun.PATH);
        assertThat(stdout(run(args("command", "/usr/bin/pwd"))).strip()).isEqualTo(workspace.toAbsolutePath().toString());
    }

    @Test
    void standardInputIsEmpty() throws Exception {
        ToolResult cat = run(args("command", "/usr/bin/cat", "timeout_seconds", 5));
        assertThat(ending(cat)).isEqualTo("exited");
        assertThat(stdout(cat)).isEmpty();
    }

    @Test
    void aSleepPastTheTimeoutIsKilledWithEverythingItStarted() throws Exception {
        String marker = "61." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
        long start = System.nanoTime();
        ToolResult result = run(args("command", "/usr/bin/sleep", "args", List.of(marker), "timeout_seconds", 1));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(result.isError()).isTrue();
        assertThat(ending(result)).isEqualTo("timed_out");
        assertThat(processesWith(marker)).isZero();
    }

    @Test
    void backgroundChildrenDoNotOutliveTheCall() throws Exception {
        allowlist.allow("/bin/sh", "test"); // a shell, in this test only, to start a child that outlives its parent
        String marker = "1000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
        ToolResult result = run(args("command", "/bin/sh", "args", List.of("-c", "sleep " + marker + " & echo started")));
        assertThat(stdout(result)).isEqualTo("started\n");
        assertThat(processesWith(marker)).isZero();
    }

    @Test
    void aGigabyteOfOutputIsCutAtTheCapAndKilled() throws Exception {
        for (List<String> flood : List.of(List.of("/usr/bin/head", "-c", "1073741824", "/dev/zero"), List.of("/usr/bin/yes"))) {
            long start = System.nanoTime();
            ToolResult result = run(args("command", flood.getFirst(), "args", flood.subList(1, flood.size())));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            assertThat(ending(result)).isEqualTo("output_capped");
            assertThat(stdout(result).getBytes(StandardCharsets.UTF_8).length).isEqualTo((int) LIMITS.maxOutputBytes());
            assertThat(result.joinedText()).startsWith("killed: the output passed the cap");
        }
    }

    @Test
    void aForkBombIsCappedAndLeavesNoProcessBehind() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (ci) {
            assertThat(confinement.capsProcesses()).as("process cap on this machine: " + confinement.describe()).isTrue();
        } else {
            // Never start an uncapped fork bomb on a shared machine: install cgroup-tools or run as a non-root user.
            assumeThat(confinement.capsProcesses()).as(confinement.describe()).isTrue();
        }
        allowlist.allow("/bin/sh", "test");
        String marker = "0.000" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
        AtomicInteger most = new AtomicInteger();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(processesWith(marker), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long start = System.nanoTime();
        ToolResult result;
        try {
            // Every process forks two more, then becomes a sleep holding its slot (one whose fork fails exits): without
            // a cap the tree doubles for ever. The marker is $0, a number sleep adds to its 30 s.
            result = run(args("command", "/bin/sh", "args",
                    List.of("-c", "exec 2>/dev/null; b() { b & b & exec sleep 30 \"$0\"; }; b", marker), "timeout_seconds", 3));
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(most.get()).as("processes seen at once").isBetween(2, LIMITS.maxProcesses());
        assertThat(processesWith(marker)).isZero();
        assertThat(ending(result)).isEqualTo("timed_out");
    }

    @Test
    void cancellationKillsTheCall() throws Exception {
        CancellationToken cancel = new CancellationToken();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                // cancel now
            }
            cancel.cancel();
        });
        ToolResult result = BuiltinToolHarness.call(shell, workspace, "run", args("command", "/usr/bin/sleep", "args", List.of("30")), cancel);
        assertThat(ending(result)).isEqualTo("cancelled");
    }

    @Test
    void malformedArgumentsAreRefused() throws Exception {
        assertThat(run(args("command", "/usr/bin/printf", "args", "a b")).isError()).isTrue();
        assertThat(run(args("command", "/usr/bin/printf", "args", List.of(1, 2))).isError()).isTrue();
        assertThat(run(args("command", "/usr/bin/sleep", "args", List.of("1"), "timeout_seconds", 10_000)).joinedText()).contains("at most");
        assertThat(run(args("args", List.of("x"))).joinedText()).contains("'command' is required");
        assertThat(run(args("command", "/usr/bin/printf", "args", java.util.Collections.nCopies(2000, "x"))).joinedText()).contains("at most");
    }

    /** Live processes whose command line contains {@code marker}. */
    static int processesWith(String marker) {
        int count = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String commandLine = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (commandLine.contains(marker) && !isZombie(process)) count++;
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return count;
    }

    private static boolean isZombie(Path process) throws IOException {
        String stat = Files.readString(process.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }
}
