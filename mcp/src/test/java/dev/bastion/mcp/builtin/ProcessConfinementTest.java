package dev.bastion.mcp.builtin;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessConfinementTest {

    private static final Optional<Path> SETSID = Optional.of(Path.of("/usr/bin/setsid"));
    private static final Optional<Path> PRLIMIT = Optional.of(Path.of("/usr/bin/prlimit"));

    @Test
    void theWrappersComeFirstAndEndTheirOptionsBeforeTheProgram() {
        ProcessConfinement confinement = new ProcessConfinement(SETSID, PRLIMIT, Optional.empty(), Optional.empty());
        List<String> line = confinement.commandLine(Path.of("/usr/bin/git"), List.of("--", "-rf", "--nproc=1"),
                ShellLimits.DEFAULTS, null);
        assertThat(line.subList(0, 3)).containsExactly("/usr/bin/setsid", "--wait", "/usr/bin/prlimit");
        int program = line.indexOf("/usr/bin/git");
        assertThat(line.get(program - 1)).isEqualTo("--");
        assertThat(line.subList(program + 1, line.size())).containsExactly("--", "-rf", "--nproc=1");
        assertThat(line).contains("--nproc=64", "--as=" + ShellLimits.DEFAULTS.maxMemoryBytes(), "--core=0");
    }

    @Test
    void withoutCgexecNoCgroupIsUsedAndRootHasNoProcessCap() {
        PidsCgroup cgroup = new PidsCgroup(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup/pids/bastion-shell"), false);
        ProcessConfinement confinement = new ProcessConfinement(SETSID, PRLIMIT, Optional.empty(), Optional.of(cgroup));
        assertThat(confinement.cgroup()).isEmpty();
        boolean root = "root".equals(System.getProperty("user.name"));
        assertThat(confinement.capsProcesses()).isEqualTo(!root);
        if (root) {
            assertThat(confinement.describe()).contains("NO process cap: RLIMIT_NPROC does not bind root and cgexec (cgroup-tools) is missing");
        } else {
            assertThat(confinement.describe()).contains("process cap: RLIMIT_NPROC");
        }
    }

    @Test
    void nothingAvailableIsSaidPlainly() {
        ProcessConfinement bare = new ProcessConfinement(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(bare.capsProcesses()).isFalse();
        assertThat(bare.describe()).contains("no setsid", "NO process cap: prlimit is missing", "NO memory or CPU caps");
        assertThat(bare.commandLine(Path.of("/usr/bin/env"), List.of("x"), ShellLimits.DEFAULTS, null)).containsExactly("/usr/bin/env", "x");
    }
}
