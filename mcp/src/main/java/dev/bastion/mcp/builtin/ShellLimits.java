package dev.bastion.mcp.builtin;

import java.time.Duration;
import java.util.Map;

/**
 * The shell tool's caps.
 *
 * @param defaultTimeout a call's wall-clock limit unless it asks for less or more
 * @param maxTimeout the most a call may ask for
 * @param maxOutputBytes stdout and stderr together; past it the process tree is killed
 * @param maxProcesses processes (and threads) of one call: a pids cgroup where one can be made, else RLIMIT_NPROC
 * @param maxMemoryBytes address space of each process (RLIMIT_AS)
 * @param maxCpuSeconds CPU time of each process (RLIMIT_CPU)
 * @param maxFileBytes the largest file a process may write (RLIMIT_FSIZE)
 * @param maxOpenFiles open descriptors of each process (RLIMIT_NOFILE)
 */
public record ShellLimits(Duration defaultTimeout, Duration maxTimeout, long maxOutputBytes, int maxProcesses,
                          long maxMemoryBytes, long maxCpuSeconds, long maxFileBytes, int maxOpenFiles) {

    public static final ShellLimits DEFAULTS = new ShellLimits(Duration.ofSeconds(30), Duration.ofMinutes(5), 1 << 20,
            64, 2L << 30, 60, 64L << 20, 256);

    /**
     * The defaults, overridden by {@code BASTION_SHELL_TIMEOUT} (seconds), {@code BASTION_SHELL_MAX_OUTPUT},
     * {@code BASTION_SHELL_MAX_PROCESSES}, {@code BASTION_SHELL_MAX_MEMORY} (bytes).
     */
    public static ShellLimits fromEnvironment(Map<String, String> env) {
        ShellLimits d = DEFAULTS;
        return new ShellLimits(Duration.ofSeconds(FilesLimits.bytes(env, "BASTION_SHELL_TIMEOUT", d.defaultTimeout.toSeconds())),
                d.maxTimeout, FilesLimits.bytes(env, "BASTION_SHELL_MAX_OUTPUT", d.maxOutputBytes),
                (int) FilesLimits.bytes(env, "BASTION_SHELL_MAX_PROCESSES", d.maxProcesses),
                FilesLimits.bytes(env, "BASTION_SHELL_MAX_MEMORY", d.maxMemoryBytes), d.maxCpuSeconds, d.maxFileBytes,
                d.maxOpenFiles);
    }
}
