package dev.bastion.mcp.builtin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this machine offers to confine a shell call, found once: {@code setsid} (its own session and process group, so
 * the group can be killed whole), {@code prlimit} (resource limits set before the program starts), and a pids cgroup
 * entered through {@code cgexec} (a process cap that also holds for root). Each is used when present, and
 * {@link #describe()} says which are.
 */
public final class ProcessConfinement {

    private static final List<Path> BIN = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    private final Optional<Path> setsid;
    private final Optional<Path> prlimit;
    private final Optional<Path> cgexec;
    private final Optional<PidsCgroup> cgroup;
    private final boolean root;

    ProcessConfinement(Optional<Path> setsid, Optional<Path> prlimit, Optional<Path> cgexec, Optional<PidsCgroup> cgroup) {
        this.setsid = setsid;
        this.prlimit = prlimit;
        this.cgexec = cgexec;
        this.cgroup = cgexec.isPresent() ? cgroup : Optional.empty();
        this.root = "root".equals(System.getProperty("user.name"));
    }

    /** Looks for the tools in the system directories (never on the caller's PATH). */
    public static ProcessConfinement detect() {
        return new ProcessConfinement(tool("setsid"), tool("prlimit"), tool("cgexec"), PidsCgroup.discover());
    }

    private static Optional<Path> tool(String name) {
        return BIN.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
    }

    boolean ownProcessGroup() {
        return setsid.isPresent() && Signals.available();
    }

    Optional<PidsCgroup> cgroup() {
        return cgroup;
    }

    /** Whether a call's number of processes is capped on this machine. */
    public boolean capsProcesses() {
        return cgroup.isPresent() || (prlimit.isPresent() && !root);
    }

    /** The command line that runs {@code program} with {@code arguments} under the limits, in {@code group} if any. */
    List<String> commandLine(Path program, List<String> arguments, ShellLimits limits, PidsCgroup.Call group) {
        List<String> line = new ArrayList<>();
        if (group != null) line.addAll(List.of(cgexec.orElseThrow().toString(), "-g", "pids:" + group.cgexecPath()));
        // --wait: should setsid ever have to fork (it does when started as a group leader), it still waits for the program.
        if (ownProcessGroup()) line.addAll(List.of(setsid.orElseThrow().toString(), "--wait"));
        if (prlimit.isPresent()) {
            line.addAll(List.of(prlimit.get().toString(), "--nproc=" + limits.maxProcesses(), "--as=" + limits.maxMemoryBytes(),
                    "--cpu=" + limits.maxCpuSeconds(), "--fsize=" + limits.maxFileBytes(), "--nofile=" + limits.maxOpenFiles(),
                    "--core=0", "--"));
        }
        line.add(program.toString());
        line.addAll(arguments);
        return line;
    }

    /** What is and is not enforced here, for {@code bastion mcp commands} and the logs. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(ownProcessGroup() ? "own process group (setsid): the timeout kills the whole group"
                : "no setsid: the timeout kills the process and its descendants only");
        if (cgroup.isPresent()) {
            parts.add("process cap: " + cgroup.get().describe() + " (holds for root too)");
        } else if (prlimit.isPresent() && !root) {
            parts.add("process cap: RLIMIT_NPROC (counts all processes of this user)");
        } else {
            parts.add("NO process cap: " + (prlimit.isEmpty() ? "prlimit is missing" : "RLIMIT_NPROC does not bind root")
                    + (cgexec.isEmpty() ? " and cgexec (cgroup-tools) is missing" : " and no pids cgroup can be made"));
        }
        parts.add(prlimit.isPresent() ? "memory, CPU, file size and open-file caps: prlimit" : "NO memory or CPU caps: prlimit is missing");
        return String.join("; ", parts);
    }
}
