package dev.bastion.web.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import dev.bastion.web.WebSessionsModule;
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
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** An admin resets a user's web password over HTTP: generated or given, the user's sessions end, audited. */
class PasswordResetRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOB_PASSWORD = "bob's long passphrase";
    private static final String ROOT_PASSWORD = "root's long passphrase";

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newHttpClient();
    private SecurityServices security;
    private BastionServer server;
    private String adminKey;
    private String userKey;

    @BeforeEach
    void start() throws Exception {
        security = SecurityServices.open(home.resolve("security"), Map.of());
        security.users().create("bob", Role.USER);
        security.users().create("root", Role.ADMIN);
        WebSessionsModule web = WebSessionsModule.fromEnvironment(security, Map.of(), false);
        web.passwords().set("bob", BOB_PASSWORD);
        web.passwords().set("root", ROOT_PASSWORD);
        adminKey = security.keys().create("root", Set.of(Scope.ADMIN, Scope.MODELS_USE), null, null).secret();
        userKey = security.keys().create("bob", Set.of(Scope.MODELS_USE), null, null).secret();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(web).withModule(new PasswordResetRoutes(security, web.passwords())),
                new StoreCatalog(new ModelStore(home.resolve("models"))), LocalModelRuntime::load).start();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    @Test
    void aGeneratedPasswordIsShownOnceWorksAndEndsTheUsersSessions() throws Exception {
        String bobSession = signIn("bob", BOB_PASSWORD);
        assertThat(me(bobSession)).isEqualTo(200);

        HttpResponse<String> reset = send("POST", "/api/admin/users/bob/password", null, adminKey, null, null);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(reset.headers().firstValue("Cache-Control")).hasValue("no-store");
        String generated = JSON.readTree(reset.body()).get("password").asText();
        assertThat(generated).matches("[A-Za-z0-9_-]{24}");

        assertThat(me(bobSession)).as("signed out everywhere").isEqualTo(401);
        assertThat(signInStatus("bob", BOB_PASSWORD)).isEqualTo(401);
        assertThat(signInStatus("bob", generated)).isEqualTo(200);
        String audit = Files.readString(security.audit().file());
        assertThat(audit).contains("\"action\":\"user.password_reset\",\"target\":\"bob\"", "\"generated\":\"true\"")
                .doesNotContain(generated);
    }

    @Test
    void aChosenPasswordIsSetButNeverEchoed() throws Exception {
        String chosen = "a chosen passphrase for bob";
        HttpResponse<String> reset = send("POST", "/api/admin/users/bob/password",
                "{\"password\":\"" + chosen + "\"}", adminKey, null, null);
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(reset.body()).isEqualTo("{\"name\":\"bob\",\"password\":null}");
        assertThat(signInStatus("bob", chosen)).isEqualTo(200);
        assertThat(Files.readString(security.audit().file())).contains("\"generated\":\"false\"").doesNotContain(chosen);
    }

    @Test
    void anAdminSessionNeedsItsCsrfTokenAndNonAdminsAreRefused() throws Exception {
        HttpResponse<String> signIn = signInResponse("root", ROOT_PASSWORD);
        String cookie = cookieOf(signIn);
        String csrf = JSON.readTree(signIn.body()).get("csrf_token").asText();
        assertThat(send("POST", "/api/admin/users/bob/password", null, null, cookie, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/admin/users/bob/password", null, null, cookie, "wrong").statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/admin/users/bob/password", null, null, cookie, csrf).statusCode()).isEqualTo(200);

        assertThat(send("POST", "/api/admin/users/root/password", null, userKey, null, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/admin/users/root/password", null, null, null, null).statusCode()).isEqualTo(401);
        assertThat(signInStatus("root", ROOT_PASSWORD)).as("root's password untouched").isEqualTo(200);
    }

    @Test
    void hostileBodiesAndUnknownUsersAreClientErrors() throws Exception {
        String[] bad = {"[]", "\"pw\"", "{\"password\":12345678901234}", "{\"password\":\"short\"}",
                "{\"password\":\"" + "x".repeat(1025) + "\"}", "{\"password\":{}}", "not json"};
        for (String body : bad) {
            HttpResponse<String> r = send("POST", "/api/admin/users/bob/password", body, adminKey, null, null);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
        }
        assertThat(signInStatus("bob", BOB_PASSWORD)).as("nothing changed").isEqualTo(200);
        assertThat(send("POST", "/api/admin/users/ghost/password", null, adminKey, null, null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/admin/users/..%2F..%2Fetc/password", null, adminKey, null, null).statusCode())
                .isIn(400, 404);
    }

    private int me(String cookie) throws Exception {
        return send("GET", "/web/api/me", null, null, cookie, null).statusCode();
    }

    private String signIn(String user, String password) throws Exception {
        return cookieOf(signInResponse(user, password));
    }

    private int signInStatus(String user, String password) throws Exception {
        return signInResponse(user, password).statusCode();
    }

    private HttpResponse<String> signInResponse(String user, String password) throws Exception {
        String body = JSON.writeValueAsString(Map.of("user", user, "password", password));
        return send("POST", "/web/api/sign-in", body, null, null, null);
    }

    private static String cookieOf(HttpResponse<String> signIn) {
        String header = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return header.substring(header.indexOf('=') + 1, header.indexOf(';'));
    }

    private HttpResponse<String> send(String method, String path, String body, String key, String cookie, String csrf)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        if (cookie != null) b.header("Cookie", "bastion_session=" + cookie);
        if (csrf != null) b.header(WebSessionsModule.CSRF_HEADER, csrf);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
