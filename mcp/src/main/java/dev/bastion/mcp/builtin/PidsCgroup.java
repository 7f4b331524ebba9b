package dev.bastion.mcp.builtin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A pids cgroup per shell call, when this process may make one: the v1 {@code pids} hierarchy, or cgroup v2 with the
 * {@code pids} controller enabled for a child of this process's group. Unlike RLIMIT_NPROC it caps the call's
 * processes whatever their user (root included), and its member list finds every process of the call, even one
 * that left its process group, so all can be killed.
 *
 * @param mount where the hierarchy is mounted
 * @param parent the directory under which each call's group is made ({@code bastion-shell}), inside {@code mount}
 */
record PidsCgroup(Path mount, Path parent, boolean v2) {

    private static final String PARENT = "bastion-shell";

    /** The hierarchy this process can make pids groups in, if any. */
    static Optional<PidsCgroup> discover() {
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            List<String> memberships = Files.readAllLines(Path.of("/proc/self/cgroup"));
            for (String line : mounts) {
                String[] halves = line.split(" - ", 2);
                if (halves.length < 2) continue;
                String[] mine = halves[0].split(" ");
                String[] theirs = halves[1].split(" ");
                Path mount = Path.of(mine[4]);
                if (theirs[0].equals("cgroup") && List.of(theirs[theirs.length - 1].split(",")).contains("pids")) {
                    Optional<PidsCgroup> found = membership(memberships, ":pids:").flatMap(own -> prepare(mount, own, false));
                    if (found.isPresent()) return found;
                } else if (theirs[0].equals("cgroup2") && Files.isReadable(mount.resolve("cgroup.controllers"))
                        && Files.readString(mount.resolve("cgroup.controllers")).contains("pids")) {
                    Optional<PidsCgroup> found = membership(memberships, "0::").flatMap(own -> prepare(mount, own, true));
                    if (found.isPresent()) return found;
                }
            }
        } catch (IOException | RuntimeException unavailable) {
            // not Linux, or no cgroup file system: no cgroup
        }
        return Optional.empty();
    }

    private static Optional<String> membership(List<String> memberships, String marker) {
        return memberships.stream().filter(line -> line.contains(marker))
                .map(line -> line.substring(line.indexOf(marker) + marker.length())).findFirst();
    }

    private static Optional<PidsCgroup> prepare(Path mount, String own, boolean v2) {
        try {
            Path group = mount.resolve(own.startsWith("/") ? own.substring(1) : own);
            Path parent = group.resolve(PARENT);
            if (v2) Files.writeString(group.resolve("cgroup.subtree_control"), "+pids");
            Files.createDirectories(parent);
            if (v2) Files.writeString(parent.resolve("cgroup.subtree_control"), "+pids");
            PidsCgroup cgroup = new PidsCgroup(mount, parent, v2);
            Call probe = cgroup.create(1);
            probe.remove();
            return Optional.of(cgroup);
        } catch (IOException | RuntimeException notWritable) {
            return Optional.empty();
        }
    }

    /** A new group limited to {@code maxProcesses} tasks. */
    Call create(int maxProcesses) throws IOException {
        Path directory = parent.resolve("call-" + UUID.randomUUID());
        Files.createDirectory(directory);
        Call call = new Call(directory, "/" + mount.relativize(directory));
        try {
            Files.writeString(directory.resolve("pids.max"), Integer.toString(maxProcesses));
            return call;
        } catch (IOException | RuntimeException e) {
            call.remove();
            throw e;
        }
    }

    String describe() {
        return v2 ? "cgroup v2 pids controller" : "cgroup v1 pids controller";
    }

    /**
     * One call's group.
     *
     * @param cgexecPath the group's path as {@code cgexec -g pids:PATH} takes it
     */
    record Call(Path directory, String cgexecPath) {

        /** The processes in the group now. */
        List<Long> members() {
            try {
                return Files.readAllLines(directory.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank())
                        .map(s -> Long.parseLong(s.strip())).toList();
            } catch (IOException | RuntimeException gone) {
                return List.of();
            }
        }

        /** Kills every member until none is left (a member may fork while it is being killed), then removes the group. */
        void killAllAndRemove(long deadlineNanos) {
            List<Long> members = members();
            while (!members.isEmpty() && System.nanoTime() - deadlineNanos < 0) {
                for (long pid : members) Signals.killProcess(pid);
                Thread.onSpinWait();
                members = members();
                if (!members.isEmpty()) sleepBriefly();
            }
            remove();
        }

        void remove() {
            for (int attempt = 0; attempt < 50; attempt++) {
                try {
                    Files.deleteIfExists(directory);
                    return;
                } catch (IOException busy) {
                    sleepBriefly(); // the last members are still being reaped
                }
            }
        }

        private static void sleepBriefly() {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
