package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityAdminRoutes;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real server (store, security chain, admin routes) restarted over a damaged audit log: a torn last record, a
 * truncated, emptied or deleted log, and a log that cannot be written. Wrong keys always get 401; a change is either
 * audited or not made at all.
 */
class HostileAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("BASTION_SECRET_KEY",
            Base64.getEncoder().encodeToString(new byte[32]));
    private static final String FORGED = "Bearer bst_AAAAAAAA_forgedforgedforgedforgedforged";

    @TempDir
    Path home;
    @TempDir
    Path source;

    private ModelStore store;
    private SecurityServices services;
    private BastionServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String admin;

    @BeforeEach
    void setUp() throws Exception {
        store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        services = SecurityServices.open(home, ENV);
        services.users().create("root", Role.ADMIN);
        admin = "Bearer " + services.keys().create("root", Role.ADMIN.grantableScopes(), null, null).secret();
        start();
        for (String user : List.of("u1", "u2", "u3")) {
            assertThat(call("POST", "/api/admin/users", admin, "{\"name\":\"" + user + "\"}").statusCode()).isEqualTo(201);
        }
    }

    /** As {@code bastion serve} starts: open the home, repair the audit log, serve. */
    private void start() {
        services = SecurityServices.open(home, ENV);
        try {
            services.recoverAudit();
        } catch (AuditLog.AuditUnavailableException e) {
            // serve warns and starts anyway: reads go on, changes are refused
        }
        serve(services);
    }

    private void serve(SecurityServices security) {
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0),
                security.keys(), security.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(new SecurityAdminRoutes(security));
        server = new BastionServer(config, new StoreCatalog(store),
                (dir, format) -> { throw new IllegalStateException("no inference in this test"); }).start();
    }

    private void restart() {
        server.close();
        start();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private HttpResponse<String> call(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) b.header("Authorization", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Path log() {
        return home.resolve(AuditLog.FILE_NAME);
    }

    private List<JsonNode> records() throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(log())) records.add(JSON.readTree(line));
        return records;
    }

    private boolean modelExists(String name) throws Exception {
        return store.list().stream().anyMatch(m -> m.name().toString().contains(name));
    }

    enum Damage { TORN, TRUNCATED, EMPTIED, DELETED }

    private void damage(Damage damage) throws Exception {
        List<String> lines = Files.readAllLines(log());
        switch (damage) {
            case TORN -> Files.writeString(log(), "{\"seq\":" + (lines.size() + 1) + ",\"time\":\"2026-", StandardOpenOption.APPEND);
            case TRUNCATED -> Files.write(log(), lines.subList(0, lines.size() - 2));
            case EMPTIED -> Files.write(log(), new byte[0]);
            case DELETED -> Files.delete(log());
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void damagedLogStillAnswers401AndAuditsEveryChange(Damage damage) throws Exception {
        server.close();
        damage(damage);
        start();

        HttpResponse<String> forged = call("GET", "/api/tags", FORGED, null);
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
        assertThat(JSON.readTree(forged.body()).get("error").asText()).isEqualTo("missing or invalid API key");

        HttpResponse<String> created = call("POST", "/api/create", admin, "{\"model\":\"copy1\",\"from\":\"tiny\",\"stream\":false}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(records()).anySatisfy(r -> {
            assertThat(r.get("action").asText()).isEqualTo("model.create");
            assertThat(r.get("target").asText()).contains("copy1");
        });

        AuditLog.VerificationResult verified = services.verifyAudit();
        if (damage == Damage.TORN) {
            assertThat(verified.ok()).as(verified.describe()).isTrue();
            assertThat(records()).anySatisfy(r -> assertThat(r.get("action").asText()).isEqualTo("audit.repair"));
            try (Stream<Path> files = Files.list(home)) {
                Path torn = files.filter(p -> p.getFileName().toString().startsWith("audit.log.torn-")).findFirst().orElseThrow();
                assertThat(Files.readString(torn)).startsWith("{\"seq\":");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(torn))).isEqualTo("rw-------");
            }
        } else {
            // the gap stays visible: verify names the missing records even after the server continued the chain
            assertThat(verified.ok()).isFalse();
            assertThat(verified.describe()).contains("missing");
            assertThat(records()).anySatisfy(r -> assertThat(r.get("action").asText()).isEqualTo("audit.gap"));
        }
        restart(); // the repaired log opens cleanly again
        assertThat(call("GET", "/api/tags", FORGED, null).statusCode()).isEqualTo(401);
        assertThat(call("POST", "/api/admin/users", admin, "{\"name\":\"after\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void unwritableLogRefusesChangesButStillAnswers401() throws Exception {
        server.close();
        Files.delete(log());
        Files.createDirectory(log()); // cannot be opened as a file, even by root
        start();
        assertUnwritableLogFailsClosed();
    }

    @Test
    void fullDiskRefusesChangesButStillAnswers401() throws Exception {
        server.close();
        services = SecurityServices.open(home, ENV);
        SecurityServices full = new SecurityServices(home, services.database(), services.users(), services.keys(),
                services.audit().withFreeSpaceProbe(path -> 0L), services.secrets());
        services = full;
        serve(full);
        assertUnwritableLogFailsClosed();
    }

    private void assertUnwritableLogFailsClosed() throws Exception {
        HttpResponse<String> forged = call("GET", "/api/tags", FORGED, null);
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);

        HttpResponse<String> created = call("POST", "/api/create", admin, "{\"model\":\"copy2\",\"from\":\"tiny\",\"stream\":false}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(503);
        assertThat(JSON.readTree(created.body()).get("error").asText()).contains("audit log");
        assertThat(created.body()).doesNotContain(home.toString()).doesNotContain("Exception");
        assertThat(modelExists("copy2")).isFalse();

        HttpResponse<String> user = call("POST", "/api/admin/users", admin, "{\"name\":\"mallory\"}");
        assertThat(user.statusCode()).isEqualTo(503);
        assertThat(services.users().find("mallory")).isEmpty();

        HttpResponse<String> deleted = call("DELETE", "/api/delete", admin, "{\"model\":\"tiny\"}");
        assertThat(deleted.statusCode()).isEqualTo(503);
        assertThat(modelExists("tiny")).isTrue();

        HttpResponse<String> disabled = call("POST", "/api/admin/users/u1/disable", admin, null);
        assertThat(disabled.statusCode()).isEqualTo(503);
        assertThat(services.users().find("u1").orElseThrow().disabled()).isFalse();

        // self-service key changes need only models:use, yet are refused the same way
        int keys = services.keys().list("root").size();
        HttpResponse<String> ownKey = call("POST", "/api/keys", admin, "{\"scopes\":[\"models:use\"]}");
        assertThat(ownKey.statusCode()).as(ownKey.body()).isEqualTo(503);
        assertThat(JSON.readTree(ownKey.body()).get("error").asText()).contains("audit log");
        assertThat(services.keys().list("root")).hasSize(keys);

        // reading needs no audit record
        assertThat(call("GET", "/api/tags", admin, null).statusCode()).isEqualTo(200);
    }
}
