package dev.bastion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class McpCommandAllowlistTest {

    @TempDir
    Path home;

    private CliRun run(String... args) {
        return CliRun.run(home, new BastionCli(), args);
    }

    @Test
    void allowListAndDisallowCommandsAreAudited() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("tool"), Path.of("/usr/bin/printf"));
        String real = Path.of("/usr/bin/printf").toRealPath().toString();
        CliRun allowed = run("mcp", "allow-command", link.toString());
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("allowed " + real);

        CliRun listed = run("mcp", "commands");
        assertThat(listed.out()).contains(real, link.toString(), "confinement here:");
        assertThat(run("mcp", "allow-command", real, "--deny-arg", "--.*", "--deny-arg", "-v").exit()).isZero();
        assertThat(run("mcp", "commands").out()).contains("--.* -v");

        assertThat(run("mcp", "disallow-command", link.toString()).exit()).isZero();
        assertThat(run("mcp", "commands").out()).doesNotContain(real);
        CliRun again = run("mcp", "disallow-command", real);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("not on the command allowlist");

        assertThat(home.resolve("audit.log")).content()
                .contains("\"action\":\"mcp.command.allow\"").contains("\"action\":\"mcp.command.disallow\"");
    }

    @Test
    void relativeOrMissingProgramsAreRefused() {
        for (String bad : new String[] {"git", "/no/such/binary", "/usr/bin"}) {
            CliRun result = run("mcp", "allow-command", bad);
            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err()).startsWith("error: ");
        }
        assertThat(run("mcp", "commands").out().lines().count()).isEqualTo(2);
    }
}
