package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpstreamRegistryTest {

    static final String HEADER_SECRET = "Bearer hdr-7c1e0f-very-secret";
    static final String ENV_SECRET = "env-93ab2d-very-secret";

    @TempDir
    Path home;
    SecurityServices security;
    UpstreamRegistry registry;

    @BeforeEach
    void open() {
        security = SecurityServices.open(home, Map.of());
        registry = new UpstreamRegistry(security.database(), security.secrets());
    }

    @Test
    void secretsAreSealedAtRestAndComeBackIntact() throws Exception {
        registry.add(UpstreamConfig.http("remote", "https://mcp.example.com/mcp", Map.of("X-Team", "blue"),
                Map.of("Authorization", HEADER_SECRET), "admin"));
        registry.add(UpstreamConfig.stdio("local", List.of("node", "server.js"), Map.of("MODE", "fast"),
                Map.of("API_TOKEN", ENV_SECRET), "admin"));

        for (String row : rawRows()) {
            assertThat(row).doesNotContain(HEADER_SECRET).doesNotContain("hdr-7c1e0f").doesNotContain(ENV_SECRET);
        }
        assertThat(String.join("\n", rawRows())).contains("X-Team").contains("blue").contains("MODE");
        for (String file : List.of("bastion.db", "bastion.db-wal")) {
            Path path = home.resolve(file);
            if (Files.exists(path)) {
                assertThat(new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1))
                        .doesNotContain("hdr-7c1e0f").doesNotContain(ENV_SECRET);
            }
        }

        UpstreamConfig remote = registry.find("remote").orElseThrow();
        assertThat(remote.allHeaders()).containsEntry("Authorization", HEADER_SECRET).containsEntry("X-Team", "blue");
        assertThat(registry.find("local").orElseThrow().processEnv()).containsEntry("API_TOKEN", ENV_SECRET);
        assertThat(remote.toString()).doesNotContain(HEADER_SECRET);
    }

    @Test
    void listingsNameSecretsButNeverShowThem() throws Exception {
        registry.add(UpstreamConfig.http("remote", "https://mcp.example.com/mcp", Map.of(),
                Map.of("Authorization", HEADER_SECRET), "admin"));

        UpstreamView view = UpstreamView.of(registry.find("remote").orElseThrow(), Optional.empty());
        String json = new ObjectMapper().writeValueAsString(view);

        assertThat(view.headerNames()).containsExactly("Authorization");
        assertThat(json).contains("Authorization").doesNotContain("hdr-7c1e0f");
        assertThat(view.state()).isEqualTo("stopped");
    }

    @Test
    void aSealedValueMovedToAnotherRowDoesNotOpen() throws Exception {
        registry.add(UpstreamConfig.http("one", "https://a.example/mcp", Map.of(), Map.of("Authorization", HEADER_SECRET), "admin"));
        registry.add(UpstreamConfig.http("two", "https://b.example/mcp", Map.of(), Map.of("Authorization", "Bearer other"), "admin"));
        try (Connection c = security.database().connection();
             PreparedStatement s = c.prepareStatement("UPDATE mcp_upstreams SET secret_values ="
                     + " (SELECT secret_values FROM mcp_upstreams WHERE name = 'one') WHERE name = 'two'")) {
            s.executeUpdate();
        }

        assertThatThrownBy(() -> registry.find("two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be opened").hasMessageNotContaining("hdr-7c1e0f");
    }

    @Test
    void namesAreNamespacesAndNeverABuiltIn() {
        for (String bad : List.of("files", "shell", "docker", "Files", "a__b", "a_b", "../x", "", "x".repeat(33),
                "fіles", "1abc", "-a")) {
            assertThatThrownBy(() -> UpstreamConfig.stdio(bad, List.of("node"), Map.of(), Map.of(), "admin"))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        registry.add(UpstreamConfig.stdio("github", List.of("node"), Map.of(), Map.of(), "admin"));
        assertThatThrownBy(() -> registry.add(UpstreamConfig.stdio("github", List.of("x"), Map.of(), Map.of(), "admin")))
                .hasMessageContaining("already exists");
    }

    @Test
    void hostileSettingsAreRefused() {
        assertThatThrownBy(() -> UpstreamConfig.http("r", "https://h/mcp", Map.of("X-A", "v\r\nX-Injected: 1"), Map.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpstreamConfig.http("r", "https://h/mcp", Map.of("X-A\r\nB", "v"), Map.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpstreamConfig.http("r", "https://h/mcp", Map.of("Host", "evil"), Map.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpstreamConfig.http("r", "https://h/mcp", Map.of("X-A", "1"), Map.of("x-a", "2"), "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpstreamConfig.http("r", "https://user:pw@h/mcp", Map.of(), Map.of(), "a"))
                .hasMessageNotContaining("pw").isInstanceOf(IllegalArgumentException.class);
        for (String url : List.of("file:///etc/passwd", "ftp://h/x", "javascript:alert(1)", "http:///nohost", "not a url")) {
            assertThatThrownBy(() -> UpstreamConfig.http("r", url, Map.of(), Map.of(), "a")).as(url)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> UpstreamConfig.stdio("r", List.of("node"), Map.of("A=B", "1"), Map.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UpstreamConfig.stdio("r", List.of("node"), Map.of(), Map.of("TOKEN", "a\0b"), "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("a\0b");
        assertThatThrownBy(() -> UpstreamConfig.stdio("r", List.of(), Map.of(), Map.of(), "a"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void callTimeoutComesFromTheEnvironmentWithinBounds() {
        String variable = UpstreamSource.Options.ENV_CALL_TIMEOUT;
        assertThat(UpstreamSource.Options.fromEnvironment(Map.of()).callTimeout()).hasSeconds(60);
        assertThat(UpstreamSource.Options.fromEnvironment(Map.of(variable, " 5 ")).callTimeout()).hasSeconds(5);
        for (String bad : List.of("0", "-3", "3601", "1e3", "ten", "99999999999999999999")) {
            assertThatThrownBy(() -> UpstreamSource.Options.fromEnvironment(Map.of(variable, bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private List<String> rawRows() throws Exception {
        try (Connection c = security.database().connection();
             PreparedStatement s = c.prepareStatement("SELECT * FROM mcp_upstreams");
             ResultSet r = s.executeQuery()) {
            List<String> rows = new java.util.ArrayList<>();
            while (r.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) row.append(r.getString(i)).append('|');
                rows.add(row.toString());
            }
            return rows;
        }
    }
}
