package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityAdminRoutes;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Passwords, sessions, CSRF and headers through HTTP against the real server and its security chain. */
class WebSessionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ALICE_PASSWORD = "correct horse battery staple";
    private static final String BOB_PASSWORD = "bob's long passphrase";

    @TempDir
    Path home;

    private SecurityServices security;
    private final MovableClock clock = new MovableClock();
    private final List<BastionServer> servers = new ArrayList<>();
    private WebSessionsModule web;
    private String base;

    /** A signed-in browser: its cookie value and CSRF token. */
    record Browser(String cookie, String csrf) {
    }

    @BeforeEach
    void start() throws Exception {
        security = SecurityServices.open(home.resolve("security"), environment());
        security.users().create("alice", Role.USER);
        security.users().create("bob", Role.USER);
        security.users().create("root", Role.ADMIN);
        web = new WebSessionsModule(security, false, new WebSessionsModule.SignInLimits(4, 10, Duration.ofMinutes(1)),
                clock, Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE);
        web.passwords().set("alice", ALICE_PASSWORD);
        web.passwords().set("bob", BOB_PASSWORD);
        base = serve(web);
    }

    /** The security database's settings: SQLite in the home here; PostgreSQL in {@link PostgresWebSessionsTest}. */
    Map<String, String> environment() {
        return Map.of();
    }

    private String serve(WebSessionsModule module) throws Exception {
        ModelStore store = new ModelStore(home.resolve("models"));
        if (store.list().isEmpty()) {
            store.importDirectory(Stories260K.directory(), ModelName.parse("stories"), null);
            store.importDirectory(Stories260K.directory(), ModelName.parse("alice/mine"), "alice");
            store.importDirectory(Stories260K.directory(), ModelName.parse("bob/theirs"), "bob");
        }
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        BastionServer server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(new SecurityAdminRoutes(security)).withModule(module), new StoreCatalog(store), LocalModelRuntime::load).start();
        servers.add(server);
        return server.baseUrl();
    }

    @AfterEach
    void stop() {
        servers.forEach(BastionServer::close);
        if (security != null) security.database().close();
    }

    @Test
    void signInSetsAStrictHttpOnlyCookieAndMeGivesTheCsrfToken() throws Exception {
        HttpResponse<String> signIn = signIn("alice", ALICE_PASSWORD, null);
        assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("bastion_session=").contains("; HttpOnly").contains("; SameSite=Strict")
                .contains("; Path=/").doesNotContain("Secure");
        Browser alice = browser(signIn);
        assertThat(JSON.readTree(signIn.body()).path("user").asText()).isEqualTo("alice");

        HttpResponse<String> me = send("GET", "/web/api/me", null, alice.cookie(), null, null);
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode view = JSON.readTree(me.body());
        assertThat(view.path("user").asText()).isEqualTo("alice");
        assertThat(view.path("role").asText()).isEqualTo("user");
        assertThat(view.path("csrf_token").asText()).isEqualTo(alice.csrf());
        assertSecurityHeaders(me);
        assertSecurityHeaders(send("GET", "/web/api/me", null, null, null, null));
        assertThat(me.body()).doesNotContain(alice.cookie());
    }

    @Test
    void wrongPasswordAndUnknownUserAreIndistinguishableAndAudited() throws Exception {
        HttpResponse<String> wrong = signIn("alice", "not her password at all", null);
        HttpResponse<String> unknown = signIn("mallory", "not her password at all", null);
        HttpResponse<String> noPassword = signIn("root", "whatever it may be", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(noPassword.statusCode()).as("a user without a password").isEqualTo(401);
        assertThat(unknown.body()).isEqualTo(wrong.body()).isEqualTo(noPassword.body());
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(signIn("alice", "x".repeat(100_000), null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/web/api/sign-in", "[1,2]", null, null, null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/web/api/sign-in", "{\"user\":{},\"password\":1}", null, null, null).statusCode()).isEqualTo(400);
        String audit = Files.readString(security.audit().file());
        assertThat(audit).contains("\"web.sign_in\"").contains("mallory").contains("\"failure\"")
                .doesNotContain("not her password");
    }

    @Test
    void bruteForceHitsTheRateLimitEvenWithTheRightPasswordAndIsAudited() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(signIn("alice", "guess number " + i + "!!", null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> limited = signIn("alice", ALICE_PASSWORD, null);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.headers().firstValue("Set-Cookie")).isEmpty();
        // per address: spraying other names from the same address runs out too
        int refused = 0;
        for (int i = 0; i < 8; i++) {
            if (signIn("user" + i, "spray spray spray", null).statusCode() == 429) refused++;
        }
        assertThat(refused).isGreaterThan(0);
        assertThat(Files.readString(security.audit().file())).contains("rate_limited");
    }

    @Test
    void theSessionIdRotatesAtSignInAndAPlantedOrOldIdIsRefused() throws Exception {
        Browser first = browser(signIn("alice", ALICE_PASSWORD, null));
        Browser second = browser(signIn("alice", ALICE_PASSWORD, first.cookie()));
        assertThat(second.cookie()).isNotEqualTo(first.cookie());
        assertThat(me(first.cookie())).as("the id presented at sign-in is revoked").isEqualTo(401);
        assertThat(me(second.cookie())).isEqualTo(200);

        String planted = "A".repeat(43);
        Browser victim = browser(signIn("alice", ALICE_PASSWORD, planted));
        assertThat(victim.cookie()).isNotEqualTo(planted);
        assertThat(me(planted)).isEqualTo(401);
    }

    @Test
    void aSessionEndsAfterItsIdleTimeAndAtItsAbsoluteLifetime() throws Exception {
        Browser idle = browser(signIn("alice", ALICE_PASSWORD, null));
        clock.advance(Duration.ofMinutes(29));
        assertThat(me(idle.cookie())).as("used within the idle time").isEqualTo(200);
        clock.advance(Duration.ofMinutes(31));
        assertThat(me(idle.cookie())).as("idle for 31 minutes").isEqualTo(401);

        Browser busy = browser(signIn("bob", BOB_PASSWORD, null));
        for (int i = 0; i < 35; i++) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(me(busy.cookie())).as("in use, %d minutes in", (i + 1) * 20).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(20));
        assertThat(me(busy.cookie())).as("past the absolute 12 hours though never idle").isEqualTo(401);
    }

    /** Session times only: the chain's rate limiters run on their own clock. */
    static final class MovableClock extends Clock {
        private volatile java.time.Instant now = java.time.Instant.now();

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void signOutRevokesTheSession() throws Exception {
        Browser alice = browser(signIn("alice", ALICE_PASSWORD, null));
        HttpResponse<String> out = send("POST", "/web/api/sign-out", null, alice.cookie(), alice.csrf(), null);
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(me(alice.cookie())).isEqualTo(401);
    }

    @Test
    void aPasswordChangeRevokesEverySessionOfTheUserOnly() throws Exception {
        Browser laptop = browser(signIn("alice", ALICE_PASSWORD, null));
        Browser phone = browser(signIn("alice", ALICE_PASSWORD, null));
        Browser bob = browser(signIn("bob", BOB_PASSWORD, null));
        web.passwords().set("alice", "a brand new passphrase");
        assertThat(me(laptop.cookie())).isEqualTo(401);
        assertThat(me(phone.cookie())).isEqualTo(401);
        assertThat(me(bob.cookie())).isEqualTo(200);
        assertThat(signIn("alice", ALICE_PASSWORD, null).statusCode()).isEqualTo(401);
        assertThat(signIn("alice", "a brand new passphrase", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aDisabledUsersSessionIsRefusedAndTheyCannotSignIn() throws Exception {
        Browser alice = browser(signIn("alice", ALICE_PASSWORD, null));
        security.users().disable("alice");
        assertThat(me(alice.cookie())).isEqualTo(401);
        assertThat(signIn("alice", ALICE_PASSWORD, null).statusCode()).isEqualTo(401);
        assertThat(Files.readString(security.audit().file())).contains("\"auth.failure\"");
    }

    @Test
    void stateChangingSessionRequestsNeedTheirOwnCsrfTokenButApiKeysDoNot() throws Exception {
        Browser alice = browser(signIn("alice", ALICE_PASSWORD, null));
        Browser bob = browser(signIn("bob", BOB_PASSWORD, null));
        String chat = "{\"model\":\"stories\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],"
                + "\"options\":{\"num_predict\":3}}";
        assertThat(send("POST", "/web/api/sign-out", null, alice.cookie(), null, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/web/api/sign-out", null, alice.cookie(), bob.csrf(), null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/web/api/sign-out", null, alice.cookie(), "", null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/chat", chat, alice.cookie(), null, null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "/api/keys/bst_nothing", null, alice.cookie(), "x".repeat(43), null).statusCode()).isEqualTo(403);
        assertThat(me(alice.cookie())).as("the refused sign-out did not sign out").isEqualTo(200);
        assertThat(Files.readString(security.audit().file())).contains("\"web.csrf\"");

        String key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        HttpResponse<String> byKey = send("POST", "/api/chat", chat, alice.cookie(), null, key);
        assertThat(byKey.statusCode()).as(byKey.body()).isEqualTo(200);
    }

    @Test
    void forgedAndMalformedCookiesAreRefused() throws Exception {
        Browser bob = browser(signIn("bob", BOB_PASSWORD, null));
        for (String forged : List.of("A".repeat(43), "B".repeat(4000), "!!!!not-base64!!!!" + "=".repeat(25),
                Sessions.sha256(bob.cookie()), bob.csrf(), "", "%00%0d%0aSet-Cookie:x=y")) {
            assertThat(me(forged)).as(forged.length() > 60 ? forged.substring(0, 60) : forged).isEqualTo(401);
        }
        assertThat(me(bob.cookie())).isEqualTo(200);
    }

    @Test
    void aSessionUsesTheModelApisWithItsUsersVisibility() throws Exception {
        Browser alice = browser(signIn("alice", ALICE_PASSWORD, null));
        JsonNode tags = JSON.readTree(send("GET", "/api/tags", null, alice.cookie(), null, null).body());
        List<String> names = new ArrayList<>();
        tags.path("models").forEach(m -> names.add(m.path("name").asText()));
        assertThat(names).containsExactlyInAnyOrder("stories:latest", "alice/mine:latest");

        HttpResponse<String> chat = send("POST", "/api/chat", "{\"model\":\"mine\",\"stream\":false,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Once\"}],\"options\":{\"num_predict\":3}}", alice.cookie(), alice.csrf(), null);
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(JSON.readTree(chat.body()).path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(send("GET", "/api/admin/users", null, alice.cookie(), null, null).statusCode()).isEqualTo(403);
        assertThat(Files.readString(security.audit().file())).contains("\"authz.denied\"");
    }

    @Test
    void anAdminsSessionCarriesTheAdminScope() throws Exception {
        web.passwords().set("root", "the root passphrase");
        Browser root = browser(signIn("root", "the root passphrase", null));
        assertThat(send("GET", "/api/admin/users", null, root.cookie(), null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void behindATlsProxyTheCookieIsSecureWithTheHostPrefix() throws Exception {
        WebSessionsModule secure = WebSessionsModule.fromEnvironment(security, Map.of(WebSessionsModule.COOKIE_SECURE_ENV, "true"), false);
        String secureBase = serve(secure);
        HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(URI.create(secureBase + "/web/api/sign-in"))
                .POST(HttpRequest.BodyPublishers.ofString(credentials("alice", ALICE_PASSWORD))).build(),
                HttpResponse.BodyHandlers.ofString());
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("__Host-bastion_session=").contains("; Secure").contains("; Path=/")
                .contains("; HttpOnly").contains("; SameSite=Strict").doesNotContain("Domain");
        assertThat(WebSessionsModule.fromEnvironment(security, Map.of(), true).cookieName()).startsWith("__Host-");
        assertThat(WebSessionsModule.fromEnvironment(security, Map.of(), false).cookieName()).isEqualTo("bastion_session");
    }

    private static void assertSecurityHeaders(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Security-Policy")).contains(WebSessionsModule.CONTENT_SECURITY_POLICY);
        assertThat(WebSessionsModule.CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'").doesNotContain("unsafe");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(response.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    }

    private int me(String cookie) throws Exception {
        return send("GET", "/web/api/me", null, cookie, null, null).statusCode();
    }

    private HttpResponse<String> signIn(String user, String password, String cookie) throws Exception {
        return send("POST", "/web/api/sign-in", credentials(user, password), cookie, null, null);
    }

    private static String credentials(String user, String password) throws Exception {
        return JSON.writeValueAsString(Map.of("user", user, "password", password));
    }

    private static Browser browser(HttpResponse<String> signIn) throws Exception {
        assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        String value = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        return new Browser(value, JSON.readTree(signIn.body()).path("csrf_token").asText());
    }

    private HttpResponse<String> send(String method, String path, String body, String cookie, String csrf, String key)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", "application/json");
        if (cookie != null) request.header("Cookie", "bastion_session=" + cookie);
        if (csrf != null) request.header(WebSessionsModule.CSRF_HEADER, csrf);
        if (key != null) request.header("Authorization", "Bearer " + key);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
