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
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import dev.bastion.web.account.QrImages;
import dev.bastion.web.account.Totp;
import dev.bastion.web.account.TwoFactorPolicy;
import dev.bastion.web.pages.WebPagesModule;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** TOTP enrolment, the second sign-in step, recovery codes, the admin policy and password change, over HTTP. */
class TwoFactorSignInTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ALICE_PASSWORD = "correct horse battery staple";
    private static final String BOB_PASSWORD = "bob's long passphrase";
    private static final String ROOT_PASSWORD = "the root passphrase";

    @TempDir
    Path home;

    private SecurityServices security;
    private final WebSessionsTest.MovableClock clock = new WebSessionsTest.MovableClock();
    private final List<BastionServer> servers = new ArrayList<>();
    private String base;

    record Browser(String cookie, String csrf) {
    }

    /** An enrolled user: the secret their app holds and their recovery codes. */
    record Enrolled(String secret, List<String> recoveryCodes) {
    }

    @BeforeEach
    void start() throws Exception {
        security = SecurityServices.open(home.resolve("security"), environment());
        security.users().create("alice", Role.USER);
        security.users().create("bob", Role.USER);
        security.users().create("root", Role.ADMIN);
        base = serve(new WebSessionsModule.SignInLimits(10, 200, Duration.ofMinutes(1)));
    }

    /** SQLite in the home here; PostgreSQL in {@link PostgresTwoFactorSignInTest}. */
    Map<String, String> environment() throws Exception {
        return Map.of();
    }

    private String serve(WebSessionsModule.SignInLimits limits) throws Exception {
        WebSessionsModule web = new WebSessionsModule(security, false, limits, clock, Sessions.DEFAULT_IDLE,
                Sessions.DEFAULT_ABSOLUTE, new TwoFactorPolicy(Set.of(Role.ADMIN)));
        web.passwords().set("alice", ALICE_PASSWORD);
        web.passwords().set("bob", BOB_PASSWORD);
        web.passwords().set("root", ROOT_PASSWORD);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        BastionServer server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(new SecurityAdminRoutes(security)).withModule(web).withModule(new WebPagesModule(web)),
                new StoreCatalog(new ModelStore(home.resolve("models"))), LocalModelRuntime::load).start();
        servers.add(server);
        return server.baseUrl();
    }

    @AfterEach
    void stop() {
        servers.forEach(BastionServer::close);
        if (security != null) security.database().close();
    }

    @Test
    void enrolWithTheQrCodeThenSignInNeedsTheCodeAndNoSessionExistsBeforeIt() throws Exception {
        Browser alice = signedIn("alice", ALICE_PASSWORD);
        HttpResponse<String> setup = send("POST", "/web/api/account/totp/setup", null, alice);
        assertThat(setup.statusCode()).as(setup.body()).isEqualTo(200);
        JsonNode enrolment = JSON.readTree(setup.body());
        String secret = enrolment.path("secret").asText();
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(enrolment.path("otpauth_uri").asText()).startsWith("otpauth://totp/Bastion:alice?secret=" + secret);

        HttpResponse<byte[]> qr = HTTP.send(request("GET", enrolment.path("qr_code").asText(), null, alice).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(qr.statusCode()).isEqualTo(200);
        assertThat(qr.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("image/png"));
        assertThat(qr.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(QrImages.decode(qr.body())).isEqualTo(enrolment.path("otpauth_uri").asText());
        assertThat(status("GET", "/web/api/account/totp/qr", null, signedIn("bob", BOB_PASSWORD)))
                .as("bob has no enrolment of his own and never sees alice's").isEqualTo(404);

        assertThat(status("POST", "/web/api/account/totp/confirm", "{\"code\":\"" + wrongCode(secret) + "\"}", alice)).isEqualTo(403);
        assertThat(status("POST", "/web/api/account/totp/confirm", "{\"code\":\"" + code(secret) + "\"}",
                new Browser(alice.cookie(), null))).as("no CSRF token").isEqualTo(403);
        HttpResponse<String> confirmed = send("POST", "/web/api/account/totp/confirm", "{\"code\":\"" + code(secret) + "\"}", alice);
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        List<String> recovery = new ArrayList<>();
        JSON.readTree(confirmed.body()).path("recovery_codes").forEach(c -> recovery.add(c.asText()));
        assertThat(recovery).hasSize(10).doesNotHaveDuplicates().allMatch(c -> c.matches("[a-z2-7]{4}(-[a-z2-7]{4}){3}"));
        assertThat(status("GET", "/web/api/account/totp/qr", null, alice)).as("the secret is not shown again").isEqualTo(404);
        assertThat(status("POST", "/web/api/account/totp/setup", null, alice)).isEqualTo(409);
        assertThat(JSON.readTree(send("GET", "/web/api/account", null, alice).body()).path("totp_enabled").asBoolean()).isTrue();

        HttpResponse<String> password = send("POST", "/web/api/sign-in", credentials("alice", ALICE_PASSWORD), null);
        assertThat(password.statusCode()).isEqualTo(200);
        assertThat(password.headers().firstValue("Set-Cookie")).as("no session before the second factor").isEmpty();
        JsonNode pending = JSON.readTree(password.body());
        assertThat(pending.path("second_factor").asText()).isEqualTo("totp");
        assertThat(pending.has("csrf_token")).isFalse();
        String token = pending.path("token").asText();
        assertThat(status("GET", "/web/api/me", null, new Browser(token, null))).as("the token is no session").isEqualTo(401);

        clock.advance(Duration.ofSeconds(30));
        Browser second = browser(secondStep(token, "code", code(secret), alice.cookie()));
        assertThat(second.cookie()).isNotEqualTo(alice.cookie());
        assertThat(status("GET", "/web/api/me", null, second)).isEqualTo(200);
        assertThat(status("GET", "/web/api/me", null, alice)).as("the id the browser had is rotated").isEqualTo(401);
        assertThat(secondStep(token, "code", code(secret), null).statusCode()).as("the token is single-use").isEqualTo(401);
        assertThat(Files.readString(security.audit().file())).contains("\"web.totp_enable\"").contains("\"pending\"")
                .doesNotContain(secret).doesNotContain(recovery.getFirst());
    }

    @Test
    void theSecretIsSealedAndRecoveryCodesAreHashedAtRest() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        try (Connection c = security.database().connection(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT secret_sealed FROM user_totp")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).doesNotContain(alice.secret()).doesNotContain(alice.secret().toLowerCase());
            }
            try (ResultSet r = s.executeQuery("SELECT code_hash FROM user_recovery_codes")) {
                int rows = 0;
                while (r.next()) {
                    rows++;
                    for (String code : alice.recoveryCodes()) {
                        assertThat(r.getString(1)).doesNotContain(code.replace("-", ""));
                    }
                }
                assertThat(rows).isEqualTo(10);
            }
        }
    }

    @Test
    void wrongReplayedAndOtherUsersCodesAndDeadTokensAllGetTheSameRefusal() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        Enrolled bob = enrol("bob", BOB_PASSWORD);
        clock.advance(Duration.ofSeconds(30));
        Set<String> refusals = new HashSet<>();

        String token = pendingToken("alice", ALICE_PASSWORD);
        refusals.add(refused(secondStep(token, "code", wrongCode(alice.secret()), null)));
        refusals.add(refused(secondStep(token, "code", code(bob.secret()), null)));
        assertThat(browser(secondStep(token, "code", code(alice.secret()), null)).cookie()).isNotBlank();

        String again = pendingToken("alice", ALICE_PASSWORD);
        refusals.add(refused(secondStep(again, "code", code(alice.secret()), null)));
        clock.advance(Duration.ofSeconds(30));
        String previousStep = Totp.codeAt(alice.secret(), clock.millis() - 30_000);
        refusals.add(refused(secondStep(again, "code", previousStep, null)));

        String bobs = pendingToken("bob", BOB_PASSWORD);
        refusals.add(refused(secondStep(bobs, "code", code(alice.secret()), null)));
        refusals.add(refused(secondStep(bobs, "recovery_code", alice.recoveryCodes().getFirst(), null)));

        String expiring = pendingToken("bob", BOB_PASSWORD);
        clock.advance(Duration.ofMinutes(6));
        refusals.add(refused(secondStep(expiring, "code", code(bob.secret()), null)));
        for (String forged : List.of("A".repeat(43), "", "x".repeat(5000), TwoFactorHelpers.sha256(token), "../" + token)) {
            refusals.add(refused(secondStep(forged, "code", code(bob.secret()), null)));
        }
        Browser bobsSession = signedInWithCode("bob", BOB_PASSWORD, bob.secret());
        refusals.add(refused(secondStep(bobsSession.cookie(), "code", code(bob.secret()), null)));
        assertThat(refusals).as("one generic answer for every refusal").hasSize(1);

        for (String bad : List.of("[]", "{\"token\":\"" + token + "\"}", "{\"token\":1,\"code\":\"123456\"}",
                "{\"token\":\"" + token + "\",\"code\":\"123456\",\"recovery_code\":\"x\"}", "not json")) {
            assertThat(send("POST", "/web/api/sign-in/totp", bad, null).statusCode()).as(bad).isEqualTo(400);
        }
        String audit = Files.readString(security.audit().file());
        assertThat(audit).contains("code_wrong").contains("code_replayed").contains("expired_token")
                .doesNotContain(alice.secret()).doesNotContain(bob.secret());
    }

    @Test
    void aNewPasswordCancelsASignInWaitingForItsCode() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        clock.advance(Duration.ofSeconds(30));
        String token = pendingToken("alice", ALICE_PASSWORD);
        new Passwords(security.database(), security.users(),
                new Sessions(security.database(), clock, Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE), clock)
                .set("alice", "a brand new passphrase");
        refused(secondStep(token, "code", code(alice.secret()), null));
    }

    @Test
    void aTokenAllowsThreeTriesThenEvenTheRightCodeIsRefused() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        clock.advance(Duration.ofSeconds(30));
        String token = pendingToken("alice", ALICE_PASSWORD);
        for (int i = 0; i < 3; i++) refused(secondStep(token, "code", wrongCode(alice.secret()), null));
        refused(secondStep(token, "code", code(alice.secret()), null));
        assertThat(browser(secondStep(pendingToken("alice", ALICE_PASSWORD), "code", code(alice.secret()), null))
                .cookie()).as("a fresh sign-in still works").isNotBlank();
    }

    @Test
    void aRecoveryCodeWorksOnceInAnySpellingAndIsAudited() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        String recovery = alice.recoveryCodes().get(3);
        String typed = " " + recovery.toUpperCase().replace("-", " ") + " ";
        Browser signedIn = browser(secondStep(pendingToken("alice", ALICE_PASSWORD), "recovery_code", typed, null));
        assertThat(JSON.readTree(send("GET", "/web/api/account", null, signedIn).body()).path("recovery_codes_left").asInt())
                .isEqualTo(9);
        refused(secondStep(pendingToken("alice", ALICE_PASSWORD), "recovery_code", recovery, null));
        refused(secondStep(pendingToken("alice", ALICE_PASSWORD), "recovery_code", "aaaa-aaaa-aaaa-aaaa", null));
        assertThat(Files.readString(security.audit().file())).contains("recovery_code_replayed").contains("recovery_code_wrong")
                .doesNotContain(recovery);
    }

    @Test
    void guessingCodesHitsTheSignInRateLimitEvenWithTheRightCode() throws Exception {
        base = serve(new WebSessionsModule.SignInLimits(4, 200, Duration.ofMinutes(1)));
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        clock.advance(Duration.ofSeconds(30));
        // 4 attempts per user: password and code attempts count together (enrolment took two: sign-in, confirm)
        String first = pendingToken("alice", ALICE_PASSWORD);
        refused(secondStep(first, "code", wrongCode(alice.secret()), null));
        HttpResponse<String> limited = secondStep(first, "code", code(alice.secret()), null);
        assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(send("POST", "/web/api/sign-in", credentials("alice", ALICE_PASSWORD), null).statusCode()).isEqualTo(429);
        assertThat(Files.readString(security.audit().file())).contains("rate_limited");
    }

    @Test
    void turningItOffNeedsThePasswordAndACode() throws Exception {
        Enrolled alice = enrol("alice", ALICE_PASSWORD);
        clock.advance(Duration.ofSeconds(30));
        Browser session = browser(secondStep(pendingToken("alice", ALICE_PASSWORD), "code", code(alice.secret()), null));
        clock.advance(Duration.ofSeconds(30));
        String off = "/web/api/account/totp/disable";
        assertThat(status("POST", off, body("password", "not the password!!", "code", code(alice.secret())), session)).isEqualTo(403);
        assertThat(status("POST", off, body("password", ALICE_PASSWORD, "code", wrongCode(alice.secret())), session)).isEqualTo(403);
        assertThat(status("POST", off, body("password", ALICE_PASSWORD), session)).isEqualTo(400);
        String key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + off)).header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body("password", ALICE_PASSWORD, "code", code(alice.secret()))))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("an API key cannot").isEqualTo(403);
        assertThat(status("POST", off, body("password", ALICE_PASSWORD, "code", code(alice.secret())), session)).isEqualTo(204);
        assertThat(JSON.readTree(send("POST", "/web/api/sign-in", credentials("alice", ALICE_PASSWORD), null).body())
                .has("csrf_token")).as("a password alone signs in again").isTrue();
        assertThat(Files.readString(security.audit().file())).contains("\"web.totp_disable\"");
    }

    @Test
    void anAdminWithoutTotpUnderTheAdminPolicyReachesOnlyTheAccountUntilEnrolled() throws Exception {
        HttpResponse<String> signIn = send("POST", "/web/api/sign-in", credentials("root", ROOT_PASSWORD), null);
        assertThat(JSON.readTree(signIn.body()).path("totp_enrolment_required").asBoolean()).isTrue();
        Browser root = browser(signIn);
        assertThat(status("GET", "/api/admin/users", null, root)).isEqualTo(403);
        assertThat(status("POST", "/api/admin/users", "{\"name\":\"eve\",\"role\":\"admin\"}", root)).isEqualTo(403);
        assertThat(status("GET", "/api/tags", null, root)).isEqualTo(403);
        assertThat(status("POST", "/api/chat", "{\"model\":\"x\",\"messages\":[]}", root)).isEqualTo(403);
        assertThat(status("GET", "/web/api/me", null, root)).isEqualTo(403);
        assertThat(status("GET", "/web/api/account", null, root)).isEqualTo(200);
        assertThat(Files.readString(security.audit().file())).contains("\"authz.denied\"");
        for (String page : List.of("/", "/admin", "/c/x")) {
            HttpResponse<String> sent = HTTP.send(request("GET", page, null, root).header("Accept", "text/html").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as(page).isEqualTo(302);
            assertThat(sent.headers().firstValue("Location")).as(page).contains("/account");
        }
        HttpResponse<String> accountPage = HTTP.send(request("GET", "/account", null, root).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accountPage.statusCode()).isEqualTo(200);
        assertThat(accountPage.body()).contains("id=\"enrolment-required\"").contains("id=\"totp-start\"");
        assertThat(security.users().find("eve")).isEmpty();

        JsonNode setup = JSON.readTree(send("POST", "/web/api/account/totp/setup", null, root).body());
        assertThat(status("POST", "/web/api/account/totp/confirm", body("code", code(setup.path("secret").asText())), root))
                .isEqualTo(200);
        assertThat(status("GET", "/api/admin/users", null, root)).as("enrolled: the same session is whole").isEqualTo(200);

        // a plain user is not bound by the admin policy
        Browser alice = signedIn("alice", ALICE_PASSWORD);
        assertThat(status("GET", "/api/tags", null, alice)).isEqualTo(200);
        assertThat(status("POST", "/web/api/sign-out", null, root)).isEqualTo(204);
    }

    @Test
    void anUnenrolledAdminCanStillSignOut() throws Exception {
        Browser root = signedIn("root", ROOT_PASSWORD);
        assertThat(status("POST", "/web/api/sign-out", null, root)).isEqualTo(204);
        assertThat(status("GET", "/web/api/account", null, root)).isEqualTo(401);
    }

    @Test
    void thePolicyIsReadFromTheEnvironmentAndATypoFailsLoudly() {
        assertThat(TwoFactorPolicy.fromEnvironment(Map.of(TwoFactorPolicy.ENV, "admin")).mustEnrol(Role.ADMIN, false)).isTrue();
        assertThat(TwoFactorPolicy.fromEnvironment(Map.of(TwoFactorPolicy.ENV, "admin")).mustEnrol(Role.USER, false)).isFalse();
        assertThat(TwoFactorPolicy.fromEnvironment(Map.of(TwoFactorPolicy.ENV, "ALL")).mustEnrol(Role.USER, false)).isTrue();
        assertThat(TwoFactorPolicy.fromEnvironment(Map.of()).mustEnrol(Role.ADMIN, false)).isFalse();
        assertThat(TwoFactorPolicy.fromEnvironment(Map.of(TwoFactorPolicy.ENV, "admin")).mustEnrol(Role.ADMIN, true)).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TwoFactorPolicy.fromEnvironment(Map.of(TwoFactorPolicy.ENV, "admins")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPasswordChangeEndsTheOtherSessionsAndRotatesThisOne() throws Exception {
        Browser laptop = signedIn("alice", ALICE_PASSWORD);
        Browser phone = signedIn("alice", ALICE_PASSWORD);
        Browser bob = signedIn("bob", BOB_PASSWORD);
        String change = "/web/api/account/password";
        assertThat(status("POST", change, body("current", "not the password!!", "new", "a brand new passphrase"), laptop)).isEqualTo(403);
        assertThat(status("POST", change, body("current", ALICE_PASSWORD, "new", "short"), laptop)).isEqualTo(400);
        assertThat(status("POST", change, body("current", ALICE_PASSWORD, "new", "x".repeat(1025)), laptop)).isEqualTo(400);
        assertThat(status("POST", change, body("current", ALICE_PASSWORD, "new", ALICE_PASSWORD), laptop)).isEqualTo(400);
        assertThat(status("POST", change, body("current", ALICE_PASSWORD), laptop)).isEqualTo(400);
        assertThat(status("POST", change, body("current", ALICE_PASSWORD, "new", "a brand new passphrase"),
                new Browser(laptop.cookie(), null))).as("no CSRF token").isEqualTo(403);
        assertThat(status("GET", "/web/api/me", null, phone)).as("nothing changed yet").isEqualTo(200);

        HttpResponse<String> changed = send("POST", change, body("current", ALICE_PASSWORD, "new", "a brand new passphrase"), laptop);
        Browser rotated = browser(changed);
        assertThat(rotated.cookie()).isNotEqualTo(laptop.cookie());
        assertThat(status("GET", "/web/api/me", null, rotated)).isEqualTo(200);
        assertThat(status("GET", "/web/api/me", null, laptop)).isEqualTo(401);
        assertThat(status("GET", "/web/api/me", null, phone)).isEqualTo(401);
        assertThat(status("GET", "/web/api/me", null, bob)).isEqualTo(200);
        assertThat(send("POST", "/web/api/sign-in", credentials("alice", ALICE_PASSWORD), null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/web/api/sign-in", credentials("alice", "a brand new passphrase"), null).statusCode()).isEqualTo(200);
        String audit = Files.readString(security.audit().file());
        assertThat(audit).contains("\"web.password_change\"").contains("wrong_password").doesNotContain("brand new");
    }

    @Test
    void aUserNameAsPasswordIsRefusedAndGuessingTheCurrentOneIsRateLimited() throws Exception {
        security.users().create("longusername1", Role.USER);
        Browser alice = signedIn("alice", ALICE_PASSWORD);
        assertThat(Passwords.problemWith("longusername1", "LongUserName1")).isPresent();
        assertThat(Passwords.problemWith("longusername1", "a fine long passphrase")).isEmpty();
        int limited = 0;
        for (int i = 0; i < 12; i++) {
            int status = status("POST", "/web/api/account/password", body("current", "guess number " + i + "!!", "new",
                    "a brand new passphrase"), alice);
            assertThat(status).isIn(403, 429);
            if (status == 429) limited++;
        }
        assertThat(limited).isGreaterThan(0);
    }

    // --- helpers

    private Enrolled enrol(String user, String password) throws Exception {
        Browser browser = signedIn(user, password);
        String secret = JSON.readTree(send("POST", "/web/api/account/totp/setup", null, browser).body()).path("secret").asText();
        HttpResponse<String> confirmed = send("POST", "/web/api/account/totp/confirm", body("code", code(secret)), browser);
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        List<String> codes = new ArrayList<>();
        JSON.readTree(confirmed.body()).path("recovery_codes").forEach(c -> codes.add(c.asText()));
        return new Enrolled(secret, codes);
    }

    private Browser signedInWithCode(String user, String password, String secret) throws Exception {
        clock.advance(Duration.ofSeconds(30));
        return browser(secondStep(pendingToken(user, password), "code", code(secret), null));
    }

    private String pendingToken(String user, String password) throws Exception {
        HttpResponse<String> response = send("POST", "/web/api/sign-in", credentials(user, password), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("token").asText();
    }

    private HttpResponse<String> secondStep(String token, String field, String code, String cookie) throws Exception {
        return send("POST", "/web/api/sign-in/totp", body("token", token, field, code), cookie == null ? null : new Browser(cookie, null));
    }

    private static String refused(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
        return response.body();
    }

    private String code(String secret) {
        return Totp.codeAt(secret, clock.millis());
    }

    /** A code that is none of the accepted steps' codes. */
    private String wrongCode(String secret) {
        Set<String> valid = Set.of(Totp.codeAt(secret, clock.millis() - 30_000), code(secret), Totp.codeAt(secret, clock.millis() + 30_000));
        for (int i = 0; ; i++) {
            String candidate = String.format("%06d", (Integer.parseInt(code(secret)) + 1 + i) % 1_000_000);
            if (!valid.contains(candidate)) return candidate;
        }
    }

    private Browser signedIn(String user, String password) throws Exception {
        return browser(send("POST", "/web/api/sign-in", credentials(user, password), null));
    }

    private static Browser browser(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        String value = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        return new Browser(value, JSON.readTree(response.body()).path("csrf_token").asText());
    }

    private static String credentials(String user, String password) throws Exception {
        return body("user", user, "password", password);
    }

    private static String body(String... pairs) throws Exception {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) map.put(pairs[i], pairs[i + 1]);
        return JSON.writeValueAsString(map);
    }

    private int status(String method, String path, String body, Browser browser) throws Exception {
        return send(method, path, body, browser).statusCode();
    }

    private HttpResponse<String> send(String method, String path, String body, Browser browser) throws Exception {
        return HTTP.send(request(method, path, body, browser).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path, String body, Browser browser) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", "application/json");
        if (browser != null) {
            request.header("Cookie", "bastion_session=" + browser.cookie());
            if (browser.csrf() != null) request.header(WebSessionsModule.CSRF_HEADER, browser.csrf());
        }
        return request;
    }

    /** SHA-256 as the server stores tokens: presenting the stored form instead of the token must not work. */
    static final class TwoFactorHelpers {
        static String sha256(String value) {
            return Sessions.sha256(value);
        }
    }
}
