package dev.bastion.cli;

import dev.bastion.mcp.builtin.docker.DockerControlGrants;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class McpDockerCommandTest {

    @TempDir
    Path home;

    private CliRun run(Object command, String... args) {
        return CliRun.run(home, command, args);
    }

    private boolean allowed(String user) {
        SecurityServices services = SecurityServices.open(home, Map.of());
        long id = services.users().find(user).orElseThrow().id();
        return new DockerControlGrants(services.database()).allowed(id);
    }

    @Test
    void anAdminAllowsAndDeniesControlPerUserAndEachChangeIsAudited() throws Exception {
        run(new UsersCommand(), "create", "alice");
        run(new UsersCommand(), "create", "bob");
        assertThat(allowed("alice")).isFalse();

        CliRun allow = run(new McpCommand(), "docker", "allow-control", "alice");
        assertThat(allow.exit()).isZero();
        assertThat(allow.out()).contains("user alice may now start, stop and restart containers");
        assertThat(allowed("alice")).isTrue();
        assertThat(allowed("bob")).isFalse();
        assertThat(run(new McpCommand(), "docker", "allow-control", "alice").out()).contains("already had docker control");
        assertThat(run(new McpCommand(), "docker", "list-control").out()).containsPattern("alice\\s+cli:\\S+\\s+\\d{4}-")
                .doesNotContain("bob");

        CliRun deny = run(new McpCommand(), "docker", "deny-control", "alice");
        assertThat(deny.exit()).isZero();
        assertThat(deny.out()).contains("user alice may no longer start, stop or restart containers");
        assertThat(allowed("alice")).isFalse();
        assertThat(run(new McpCommand(), "docker", "deny-control", "alice").out()).contains("had no docker control");

        String audit = java.nio.file.Files.readString(home.resolve("audit.log"));
        assertThat(audit).contains("\"action\":\"mcp.docker.allow_control\"", "\"action\":\"mcp.docker.deny_control\"");
        assertThat(SecurityServices.open(home, Map.of()).verifyAudit().ok()).isTrue();
    }

    @Test
    void anUnknownUserIsAnErrorAndChangesNothing() {
        CliRun result = run(new McpCommand(), "docker", "allow-control", "../ghost");
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("no user named '../ghost'");
        assertThat(run(new McpCommand(), "docker", "list-control").out().lines()).hasSize(1);
    }

    @Test
    void theBastionBinaryHasTheCommand() {
        assertThat(BastionCli.commandLine().getSubcommands().get("mcp").getSubcommands().get("docker")
                .getSubcommands()).containsKeys("allow-control", "deny-control", "list-control");
    }
}
