package dev.bastion.api.security;

import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class SecurityAdminRoutesTest {

    @TempDir
    Path home;

    private SecurityServices security;
    private Javalin app;
    private final HttpClient http = HttpClient.newHttpClient();
    private String admin;

    @BeforeEach
    void start() {
        security = SecurityServices.open(home, Map.of("BASTION_SECRET_KEY", Base64.getEncoder().encodeToString(new byte[32])));
        admin = "Bearer " + security.bootstrap().map(SecurityAdminRoutesTest::read).orElseThrow();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0),
                security.keys(), security.audit());
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            chain.install(c);
            new SecurityAdminRoutes(security).register(c);
            c.routes.get("/api/tags", ctx -> ctx.result("models"), dev.bastion.api.Access.MODELS_USE);
        }).start();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        app.stop();
        http.close();
    }

    private HttpResponse<String> call(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    @Test
    void adminManagesUsersAndKeysAndEveryChangeIsAudited() throws Exception {
        HttpResponse<String> user = call("POST", "/api/admin/users", admin, "{\"name\":\"bob\",\"role\":\"user\"}");
        assertThat(user.statusCode()).isEqualTo(201);
        assertThat(call("POST", "/api/admin/users", admin, "{\"name\":\"bob\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users", admin, "not json").statusCode()).isEqualTo(400);

        HttpResponse<String> key = call("POST", "/api/admin/keys", admin, "{\"user\":\"bob\",\"scopes\":[\"models:use\"]}");
        assertThat(key.statusCode()).isEqualTo(201);
        String bob = "Bearer " + field(key.body(), "key");
        assertThat(call("GET", "/api/tags", bob, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/admin/keys", admin, null).body()).contains(field(key.body(), "prefix"))
                .doesNotContain(field(key.body(), "key"));

        assertThat(call("POST", "/api/admin/users/bob/disable", admin, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/tags", bob, null).statusCode()).isEqualTo(401);
        assertThat(call("POST", "/api/admin/users/ghost/disable", admin, null).statusCode()).isEqualTo(404);

        assertThat(security.verifyAudit().ok()).isTrue();
        assertThat(Files.readString(security.audit().file()))
                .contains("\"actor\":\"admin\",\"action\":\"user.create\",\"target\":\"bob\"")
                .contains("\"action\":\"key.create\"", "\"action\":\"user.disable\"");
    }

    @Test
    void repliesAreTypedObjectsWithAStableFieldOrder() throws Exception {
        String user = call("POST", "/api/admin/users", admin, "{\"name\":\"bob\"}").body();
        assertThat(user).matches("\\{\"name\":\"bob\",\"role\":\"user\",\"disabled\":false,\"created_at\":\"[^\"]+\"}");
        String key = call("POST", "/api/admin/keys", admin, "{\"user\":\"bob\"}").body();
        assertThat(key).matches("\\{\"prefix\":\"[^\"]+\",\"user\":\"bob\",\"scopes\":\\[\"models:use\"],\"name\":null,"
                + "\"created_at\":\"[^\"]+\",\"expires_at\":null,\"revoked\":false,\"last_used_at\":null,\"key\":\"[^\"]+\"}");
        String prefix = field(key, "prefix");
        assertThat(call("POST", "/api/admin/users/bob/disable", admin, null).body())
                .isEqualTo("{\"name\":\"bob\",\"disabled\":true}");
        assertThat(call("POST", "/api/admin/users/bob/enable", admin, null).body())
                .isEqualTo("{\"name\":\"bob\",\"disabled\":false,\"active_keys\":1}");
        assertThat(call("DELETE", "/api/admin/keys/" + prefix, admin, null).body())
                .isEqualTo("{\"prefix\":\"" + prefix + "\",\"revoked\":true}");
    }

    @Test
    void aDisabledUserIsEnabledAgainWithItsUnrevokedKeysAndTheChangeIsAudited() throws Exception {
        security.users().create("bob", Role.USER);
        String kept = "Bearer " + security.keys().create("bob", Set.of(Scope.MODELS_USE), null, null).secret();
        var revoked = security.keys().create("bob", Set.of(Scope.MODELS_USE), null, null);
        assertThat(call("DELETE", "/api/admin/keys/" + revoked.key().prefix(), admin, null).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/api/admin/users/bob/disable", admin, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/tags", kept, null).statusCode()).isEqualTo(401);

        assertThat(call("POST", "/api/admin/users/bob/enable", kept, null).statusCode()).as("not by bob himself").isEqualTo(401);
        HttpResponse<String> enabled = call("POST", "/api/admin/users/bob/enable", admin, null);
        assertThat(enabled.statusCode()).isEqualTo(200);
        assertThat(enabled.body()).contains("\"disabled\":false", "\"active_keys\":1");
        assertThat(call("GET", "/api/tags", kept, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/tags", "Bearer " + revoked.secret(), null).statusCode()).as("revoked stays revoked").isEqualTo(401);
        assertThat(call("POST", "/api/admin/users/ghost/enable", admin, null).statusCode()).isEqualTo(404);

        String bobUser = "Bearer " + security.keys().create("bob", Set.of(Scope.MODELS_USE), null, null).secret();
        assertThat(call("POST", "/api/admin/users/bob/enable", bobUser, null).statusCode()).isEqualTo(403);
        assertThat(security.verifyAudit().ok()).isTrue();
        assertThat(Files.readString(security.audit().file()))
                .contains("\"actor\":\"admin\",\"action\":\"user.enable\",\"target\":\"bob\"");
    }

    @Test
    void usersManageOnlyTheirOwnKeysWithoutEscalation() throws Exception {
        security.users().create("bob", Role.USER);
        security.users().create("carol", Role.USER);
        String bob = "Bearer " + security.keys().create("bob", Set.of(Scope.MODELS_USE), null, null).secret();
        String carolPrefix = security.keys().create("carol", Set.of(Scope.MODELS_USE), null, null).key().prefix();

        assertThat(call("GET", "/api/admin/users", bob, null).statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/admin/keys", bob, "{\"user\":\"bob\",\"scopes\":[\"admin\"]}").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/keys", bob, "{\"scopes\":[\"admin\"]}").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/keys", bob, "{\"scopes\":[\"models:manage\"]}").statusCode())
                .as("no more than the calling key carries").isEqualTo(403);

        HttpResponse<String> own = call("POST", "/api/keys", bob, "{\"scopes\":[\"models:use\"],\"name\":\"second\"}");
        assertThat(own.statusCode()).isEqualTo(201);
        assertThat(field(own.body(), "user")).isEqualTo("bob");
        assertThat(call("GET", "/api/keys", bob, null).body()).contains("second").doesNotContain(carolPrefix);

        HttpResponse<String> foreign = call("DELETE", "/api/keys/" + carolPrefix, bob, null);
        HttpResponse<String> missing = call("DELETE", "/api/keys/ZZZZZZZZ", bob, null);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreign.body()).as("someone else's key looks missing")
                .isEqualTo(missing.body().replace(missing.headers().firstValue("X-Request-Id").orElseThrow(),
                        foreign.headers().firstValue("X-Request-Id").orElseThrow()));
        assertThat(security.keys().find(carolPrefix).orElseThrow().revokedAt()).isNull();

        String secondKey = "Bearer " + field(own.body(), "key");
        assertThat(call("DELETE", "/api/keys/" + field(own.body(), "prefix"), bob, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/tags", secondKey, null).statusCode()).isEqualTo(401);
        assertThat(Files.readString(security.audit().file())).contains("\"outcome\":\"denied\"");
    }

    @Test
    void anAdminKeyCannotLockEveryAdminOut() throws Exception {
        HttpResponse<String> self = call("POST", "/api/admin/users/admin/disable", admin, null);
        assertThat(self.statusCode()).isEqualTo(400);
        assertThat(self.body()).contains("last active admin");
        assertThat(call("GET", "/api/admin/users", admin, null).statusCode()).isEqualTo(200);
        assertThat(security.users().find("admin").orElseThrow().disabled()).isFalse();
    }

    @Test
    void hostileUserFieldsAreClientErrorsNotServerErrors() throws Exception {
        for (String body : new String[] {"{\"name\":\"eve\",\"role\":\"root\"}", "{\"name\":\"eve\",\"role\":[\"admin\"]}",
                "{\"name\":\"../eve\"}", "{\"name\":\"eve\\n{\\\"seq\\\":1}\"}"}) {
            HttpResponse<String> r = call("POST", "/api/admin/users", admin, body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
        }
        assertThat(security.users().find("eve")).isEmpty();
    }

    @Test
    void anAdminChangesRolesAndADemotedAdminsKeyLosesAdminAccess() throws Exception {
        call("POST", "/api/admin/users", admin, "{\"name\":\"ops\",\"role\":\"user\"}");
        HttpResponse<String> promoted = call("POST", "/api/admin/users/ops/role", admin, "{\"role\":\"admin\"}");
        assertThat(promoted.statusCode()).isEqualTo(200);
        assertThat(promoted.body()).contains("\"name\":\"ops\",\"role\":\"admin\"");
        String ops = "Bearer " + field(call("POST", "/api/admin/keys", admin,
                "{\"user\":\"ops\",\"scopes\":[\"admin\",\"models:use\"]}").body(), "key");
        assertThat(call("GET", "/api/admin/users", ops, null).statusCode()).isEqualTo(200);

        assertThat(call("POST", "/api/admin/users/ops/role", ops, "{\"role\":\"user\"}").statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/admin/users", ops, null).statusCode()).as("demoted at once").isEqualTo(403);
        assertThat(call("GET", "/api/tags", ops, null).statusCode()).isEqualTo(200);
        assertThat(Files.readString(security.audit().file()))
                .contains("\"action\":\"user.role\",\"target\":\"ops\",\"outcome\":\"success\",\"details\":{\"from\":\"user\",\"to\":\"admin\"}");
    }

    @Test
    void roleChangesRefuseHostileInputAndNeverDemoteTheLastAdmin() throws Exception {
        call("POST", "/api/admin/users", admin, "{\"name\":\"bob\"}");
        assertThat(call("POST", "/api/admin/users/admin/role", admin, "{\"role\":\"user\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users/bob/role", admin, "{\"role\":\"root\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users/bob/role", admin, "{\"role\":[\"admin\"]}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users/bob/role", admin, "{}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users/bob/role", admin, "admin").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/admin/users/ghost/role", admin, "{\"role\":\"admin\"}").statusCode()).isEqualTo(404);
        String bob = "Bearer " + field(call("POST", "/api/admin/keys", admin, "{\"user\":\"bob\"}").body(), "key");
        assertThat(call("POST", "/api/admin/users/bob/role", bob, "{\"role\":\"admin\"}").statusCode()).isEqualTo(403);
        assertThat(security.users().find("bob").orElseThrow().role()).isEqualTo(Role.USER);
    }

    @Test
    void theAuditLogIsPagedNewestFirstAndFiltered() throws Exception {
        for (int i = 0; i < 5; i++) {
            call("POST", "/api/admin/users", admin, "{\"name\":\"u" + i + "\"}");
        }
        call("POST", "/api/admin/users/ghost/disable", admin, null);
        HttpResponse<String> page = call("GET", "/api/admin/audit?action=user.create&limit=2", admin, null);
        assertThat(page.statusCode()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(page.body());
        assertThat(json.get("records")).hasSize(2);
        assertThat(json.get("records").get(0).get("target").asText()).isEqualTo("u4");
        assertThat(json.get("records").get(1).get("target").asText()).isEqualTo("u3");
        long next = json.get("next_before").asLong();
        com.fasterxml.jackson.databind.JsonNode older = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                call("GET", "/api/admin/audit?action=user&user=admin&outcome=success&before=" + next, admin, null).body());
        assertThat(older.get("records").findValuesAsText("target")).containsExactly("u2", "u1", "u0");
        assertThat(older.get("next_before").isNull()).isTrue();

        for (String bad : new String[]{"limit=0", "limit=201", "limit=-1", "limit=abc", "before=0", "before=1e3",
                "limit=99999999999999999999", "user=" + "x".repeat(101), "action=a%0Ab", "outcome=%00"}) {
            assertThat(call("GET", "/api/admin/audit?" + bad, admin, null).statusCode()).as(bad).isEqualTo(400);
        }
        String userKey = "Bearer " + field(call("POST", "/api/admin/keys", admin, "{\"user\":\"u1\"}").body(), "key");
        assertThat(call("GET", "/api/admin/audit", userKey, null).statusCode()).isEqualTo(403);
        assertThat(call("POST", "/api/admin/audit/verify", userKey, null).statusCode()).isEqualTo(403);
    }

    @Test
    void verifyReportsAnIntactChainThenTheFirstEditedRecordWithoutTheServerPath() throws Exception {
        call("POST", "/api/admin/users", admin, "{\"name\":\"bob\"}");
        HttpResponse<String> ok = call("POST", "/api/admin/audit/verify", admin, null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).startsWith("{\"ok\":true,\"records\":");

        java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(security.audit().file()));
        lines.set(0, lines.get(0).replace("\"outcome\":\"success\"", "\"outcome\":\"failure\""));
        Files.write(security.audit().file(), lines);
        HttpResponse<String> broken = call("POST", "/api/admin/audit/verify", admin, null);
        assertThat(broken.statusCode()).isEqualTo(200);
        assertThat(broken.body()).contains("\"ok\":false", "\"bad_line\":1", "\"bad_seq\":1", "edited")
                .doesNotContain(home.toString());

        Files.delete(security.audit().file());
        HttpResponse<String> gone = call("POST", "/api/admin/audit/verify", admin, null);
        assertThat(gone.body()).contains("\"ok\":false").doesNotContain(home.toString());
    }
}
