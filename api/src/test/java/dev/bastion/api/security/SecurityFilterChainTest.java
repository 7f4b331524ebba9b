package dev.bastion.api.security;

import dev.bastion.api.Access;
import dev.bastion.api.BindAddress;
import dev.bastion.api.RequestContext;
import dev.bastion.api.SecurityLayer;
import dev.bastion.api.ServerConfig;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityFilterChainTest {

    @TempDir
    Path home;

    private SecuredApp server;

    private SecuredApp start(SecurityConfig config) {
        server = new SecuredApp(home, config);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void openEndpointsNeedNoKey() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        assertThat(s.get("/").statusCode()).isEqualTo(200);
        assertThat(s.get("/api/version").statusCode()).isEqualTo(200);
        assertThat(s.send(java.net.http.HttpRequest.newBuilder(s.uri("/")).method("HEAD", HttpRequest.BodyPublishers.noBody()))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void missingMalformedAndForgedKeysGet401WithoutDetail() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String good = s.key("alice", Scope.MODELS_USE);
        String forged = good.substring(0, 13) + "A".repeat(43);
        List<String[]> attempts = List.of(
                new String[0],
                new String[] {"Authorization", "Bearer"},
                new String[] {"Authorization", "Basic x"},
                new String[] {"Authorization", "Bearer bst_"},
                new String[] {"Authorization", "Bearer " + "k".repeat(10 * 1024)},
                new String[] {"Authorization", "Bearer " + forged},
                new String[] {"Authorization", "bst_" + good.substring(4)});
        for (String[] headers : attempts) {
            HttpResponse<String> r = s.get("/api/tags", headers);
            assertThat(r.statusCode()).as("headers %s", (Object) headers).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            String requestId = r.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(r.body()).isEqualTo("{\"error\":\"missing or invalid API key\",\"request_id\":\"" + requestId + "\"}");
        }
        assertThat(s.get("/api/tags", "Authorization", "Bearer " + good).body()).isEqualTo("alice");
        assertThat(s.get("/api/tags", "Authorization", "bearer " + good).statusCode()).as("scheme is case-insensitive").isEqualTo(200);
    }

    /**
     * The ways a request could reach a handler without its route's declared access (the wrong-key flake of
     * ClientCompatibilityTest): path spellings that Jetty or Javalin normalise onto a route, HEAD on a GET route, a
     * keep-alive connection that just carried a valid key. Each must be refused like the plain request.
     */
    @Test
    void aWrongKeyIsRefusedOnEverySpellingOfARouteAndOnAReusedConnection() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String good = s.key("alice", Scope.MODELS_USE);
        String wrong = good.substring(0, 13) + (good.charAt(13) == 'A' ? 'B' : 'A') + good.substring(14);
        String[] auth = {"Authorization", "Bearer " + wrong};
        for (String path : List.of("/api/chat", "/api/chat/", "//api/chat", "/api//chat", "/api/./chat", "/api/x/../chat",
                "/api/%63hat", "/API/CHAT", "/api/chat?stream=true", "/api/chat;x=1", "/v1/chat/completions/")) {
            HttpResponse<String> r = s.post(path, "{\"stream\":true}", auth);
            assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(401);
            assertThat(r.body()).as("POST %s", path).doesNotContain("alice");
        }
        for (String method : List.of("HEAD", "GET", "OPTIONS")) {
            HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/api/tags")).headers(auth)
                    .method(method, HttpRequest.BodyPublishers.noBody()));
            assertThat(r.statusCode()).as(method + " /api/tags").isEqualTo(401);
        }
        String pipelined = s.raw(chat(good, "") + chat(wrong, "Connection: close\r\n"));
        assertThat(pipelined).as("one connection: the valid key's answer, then the wrong key's refusal")
                .startsWith("HTTP/1.1 200").contains("alice:2").containsOnlyOnce("HTTP/1.1 200");
        assertThat(pipelined.substring(pipelined.indexOf("alice:2"))).contains("HTTP/1.1 401");
    }

    @Test
    void aKeyDifferingOnlyInLetterCaseIsAnotherKeyOnAReusedConnection() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        for (int i = 0; i < 10; i++) {
            String good = s.key("alice", Scope.MODELS_USE);
            int at = 13;
            while (!Character.isLetter(good.charAt(at))) at++;
            char c = good.charAt(at);
            String wrong = good.substring(0, at) + (Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c))
                    + good.substring(at + 1);
            String pipelined = s.raw(chat(good, "") + chat(wrong, "Connection: close\r\n"));
            assertThat(pipelined).as("the valid key, then the same key with one letter's case changed")
                    .startsWith("HTTP/1.1 200").containsOnlyOnce("HTTP/1.1 200").contains("HTTP/1.1 401");
        }
    }

    private static String chat(String key, String extraHeaders) {
        return "POST /api/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n" + extraHeaders + "\r\n{}";
    }

    @Test
    void aRouteRegisteredTwiceIsRefusedAtStartup() {
        assertThatThrownBy(() -> io.javalin.Javalin.create(c -> {
            c.routes.post("/api/chat", ctx -> ctx.result("first"), Access.MODELS_USE);
            c.routes.post("/api/chat", ctx -> ctx.result("second"), Access.OPEN);
        })).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonAsciiAuthorizationGets401() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String response = s.raw("GET /api/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bst_\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9_"
                + "\u4e2d".repeat(43) + "\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 401");
    }

    @Test
    void expiredAndRevokedKeysGet401() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String expiring = s.keys.create("alice", Set.of(Scope.MODELS_USE), s.clock.instant().plusSeconds(60), null).secret();
        String revoked = s.key("alice", Scope.MODELS_USE);
        assertThat(s.get("/api/tags", "Authorization", "Bearer " + expiring).statusCode()).isEqualTo(200);
        assertThat(s.get("/api/tags", "Authorization", "Bearer " + revoked).statusCode()).isEqualTo(200);

        s.clock.add(Duration.ofSeconds(61));
        s.keys.revoke(revoked.substring(4, 12));

        assertThat(s.get("/api/tags", "Authorization", "Bearer " + expiring).statusCode()).isEqualTo(401);
        assertThat(s.get("/api/tags", "Authorization", "Bearer " + revoked).statusCode()).isEqualTo(401);
    }

    @Test
    void scopesAreEnforcedPerRoute() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String use = "Bearer " + s.key("alice", Scope.MODELS_USE);
        String manage = "Bearer " + s.key("alice", Scope.MODELS_MANAGE);
        String adminUseOnly = "Bearer " + s.key("root", Scope.MODELS_USE);
        String admin = "Bearer " + s.key("root", Scope.ADMIN);

        assertThat(s.post("/api/chat", "{}", "Authorization", use).statusCode()).isEqualTo(200);
        assertThat(s.post("/api/create", "{}", "Authorization", use).statusCode()).isEqualTo(403);
        assertThat(s.get("/api/admin/users", "Authorization", use).statusCode()).isEqualTo(403);
        assertThat(s.post("/api/create", "{}", "Authorization", manage).statusCode()).isEqualTo(200);
        assertThat(s.post("/api/chat", "{}", "Authorization", manage).statusCode()).isEqualTo(403);
        assertThat(s.get("/api/admin/users", "Authorization", adminUseOnly).statusCode())
                .as("an admin's key is bounded by its scopes").isEqualTo(403);
        assertThat(s.get("/api/admin/users", "Authorization", admin).body()).isEqualTo("root");
        assertThat(s.get("/api/undeclared", "Authorization", use).statusCode()).as("a route declaring no scope needs admin")
                .isEqualTo(403);
        assertThat(s.get("/api/undeclared", "Authorization", admin).body()).isEqualTo("root");
        assertThat(s.get("/api/unlisted", "Authorization", use).statusCode()).as("paths no route serves fail closed").isEqualTo(403);
        assertThat(s.get("/api/unlisted").statusCode()).as("and tell strangers nothing").isEqualTo(401);
        assertThat(s.get("/api/unlisted", "Authorization", admin).statusCode()).isEqualTo(404);
    }

    @Test
    void openAiRoutesGetOpenAiErrorShape() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        HttpResponse<String> r = s.post("/v1/chat/completions", "{}");
        String requestId = r.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"missing or invalid API key\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"invalid_api_key\",\"request_id\":\"" + requestId + "\"}}");
    }

    @Test
    void internalErrorsRevealNothing() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        HttpResponse<String> r = s.get("/api/boom", "Authorization", "Bearer " + s.key("root", Scope.ADMIN));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("internal error", "request_id").doesNotContain("bastion.db", "Exception", "at dev.");
    }

    @Test
    void requestIdsAreEchoedOnlyWhenPlain() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        assertThat(s.get("/", "X-Request-Id", "trace-42").headers().firstValue("X-Request-Id")).hasValue("trace-42");
        assertThat(s.get("/", "X-Request-Id", "a".repeat(65)).headers().firstValue("X-Request-Id").orElseThrow())
                .matches("[A-Za-z0-9_-]{22}");
        String unicode = s.raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: \u00e9vil\u2028id\r\nConnection: close\r\n\r\n");
        assertThat(unicode).startsWith("HTTP/1.1 200").containsPattern("(?i)X-Request-Id: [A-Za-z0-9_-]{22}\r\n");
        String injected = s.raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\rSet-Cookie: x=1\r\nConnection: close\r\n\r\n");
        assertThat(injected).doesNotContainIgnoringCase("Set-Cookie");
    }

    @Test
    void spoofedForwardedForFromUntrustedPeerIsIgnored() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withNetwork(List.of("10.0.0.0/8"), List.of(), List.of()));
        assertThat(s.get("/", "X-Forwarded-For", "10.0.0.5").statusCode()).isEqualTo(403);
    }

    @Test
    void forwardedForFromTrustedProxyIsHonoured() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withNetwork(List.of("10.0.0.0/8"), List.of("127.0.0.1"), List.of()));
        assertThat(s.get("/", "X-Forwarded-For", "10.0.0.5").statusCode()).isEqualTo(200);
        assertThat(s.get("/", "X-Forwarded-For", "10.0.0.5, 203.0.113.1").statusCode()).isEqualTo(403);
        assertThat(s.get("/").statusCode()).as("the proxy itself is not in the allowlist").isEqualTo(403);
    }

    @Test
    void spoofedForwardedForDoesNotEscapeIpRateLimit() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withRateLimits(new RateLimits(100, 100, 2, Duration.ofMinutes(1))));
        assertThat(s.get("/", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(s.get("/", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = s.get("/", "X-Forwarded-For", "198.51.100.3");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
    }

    /**
     * A server whose module authenticator vouches for alice as a cluster node's forwarded identity does: the credential
     * ({@code X-Test-Vouch: IP}) names the end client it forwarded for.
     */
    private SecuredApp startVouching(SecurityConfig config) {
        dev.bastion.security.Principal alice = new dev.bastion.security.Principal(1, "alice",
                dev.bastion.security.Role.USER, Set.of(Scope.MODELS_USE), null);
        dev.bastion.security.Authenticator vouching = request -> java.util.Optional.ofNullable(request.header("X-Test-Vouch"))
                .map(ip -> new dev.bastion.security.Authentication.Authenticated(alice, java.net.InetAddress.ofLiteral(ip)));
        server = new SecuredApp(home, config, java.net.http.HttpClient.newHttpClient(), List.of(vouching));
        return server;
    }

    @Test
    void aPeerVouchingForItsClientHasTheClientCountedByTheIpRateLimitNotItself() throws Exception {
        startVouching(SecurityConfig.defaults().withRateLimits(new RateLimits(100, 100, 2, Duration.ofMinutes(1))));
        assertThat(server.get("/api/tags", "X-Test-Vouch", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(server.get("/api/tags", "X-Test-Vouch", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(server.get("/api/tags", "X-Test-Vouch", "198.51.100.1").statusCode()).isEqualTo(429);
        // every request came from 127.0.0.1, yet another client behind the same peer has its own budget
        HttpResponse<String> other = server.get("/api/tags", "X-Test-Vouch", "198.51.100.2");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).isEqualTo("alice");
    }

    @Test
    void aClientAPeerVouchesForMustPassThisNodesOwnAllowlist() throws Exception {
        // a peer (127.0.0.1, allowed) forwards for clients; this node allows only 10.0.0.0/8 besides its peers
        startVouching(SecurityConfig.defaults().withNetwork(List.of("127.0.0.1/32", "10.0.0.0/8"), List.of(), List.of()));
        assertThat(server.get("/api/tags", "X-Test-Vouch", "10.1.2.3").body()).isEqualTo("alice");
        for (String outside : List.of("198.51.100.7", "::ffff:198.51.100.7", "2001:db8::1", "11.0.0.1")) {
            HttpResponse<String> r = server.get("/api/tags", "X-Test-Vouch", outside, "X-Request-Id", "vouched-" + outside.replace(':', '-'));
            assertThat(r.statusCode()).as(outside).isEqualTo(403);
            assertThat(r.body()).as(outside).contains("forbidden").doesNotContain("alice");
        }
        assertThat(server.post("/api/chat", "{}", "X-Test-Vouch", "198.51.100.7").statusCode()).isEqualTo(403);
        List<String> denied = Files.readAllLines(home.resolve("audit.log")).stream().filter(l -> l.contains("\"ip.denied\"")).toList();
        assertThat(denied).anySatisfy(l -> assertThat(l).contains("\"request_id\":\"vouched-198.51.100.7\"",
                "\"ip\":\"198.51.100.7\"", "\"forwarded_by\":\"127.0.0.1\""));
        assertThat(denied).noneMatch(l -> l.contains("10.1.2.3"));
    }

    @Test
    void perKeyRateLimitIsExactUnderConcurrentRequests() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withRateLimits(new RateLimits(10, 10, 1000, Duration.ofMinutes(1))));
        String auth = "Bearer " + s.key("alice", Scope.MODELS_USE);
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
            futures.add(s.http.sendAsync(HttpRequest.newBuilder(s.uri("/api/tags")).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = futures.stream().map(f -> f.join().statusCode()).toList();
        assertThat(statuses).filteredOn(c -> c == 200).hasSize(10);
        assertThat(statuses).filteredOn(c -> c == 429).hasSize(15);
        String otherKey = "Bearer " + s.key("bob", Scope.MODELS_USE);
        assertThat(s.get("/api/tags", "Authorization", otherKey).statusCode()).as("limits are per key").isEqualTo(200);
    }

    @Test
    void corsPreflightFromDisallowedOriginIsRefused() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        HttpResponse<String> evil = s.send(HttpRequest.newBuilder(s.uri("/api/chat"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST"));
        assertThat(evil.statusCode()).isEqualTo(403);
        assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> local = s.send(HttpRequest.newBuilder(s.uri("/api/chat"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:3000").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type"));
        assertThat(local.statusCode()).isEqualTo(204);
        assertThat(local.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        assertThat(local.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("Authorization");

        assertThat(s.get("/", "Origin", "https://evil.example").statusCode()).isEqualTo(403);
        assertThat(s.get("/", "Origin", "http://127.0.0.1:8080").headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue("http://127.0.0.1:8080");
    }

    @Test
    void oversizedBodiesAndHeadersAreRefused() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofSeconds(5)));
        String auth = "Bearer " + s.key("alice", Scope.MODELS_USE);
        assertThat(s.post("/api/chat", "x".repeat(1000), "Authorization", auth).body()).isEqualTo("alice:1000");
        HttpResponse<String> tooBig = s.post("/api/chat", "x".repeat(2000), "Authorization", auth);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("request_id");
        assertThat(s.get("/", "X-Padding", "p".repeat(8000)).statusCode()).isEqualTo(431);
    }

    @Test
    void oversizedChunkedBodyIsRefused() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofSeconds(5)));
        String auth = "Bearer " + s.key("alice", Scope.MODELS_USE);
        HttpResponse<String> r = s.send(HttpRequest.newBuilder(s.uri("/api/chat")).header("Authorization", auth)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[5000]))));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("request_id").doesNotContain("Exception");
    }

    @Test
    void slowClientIsDisconnectedAfterIdleTimeout() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofMillis(300)));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.app.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            byte[] rest = socket.getInputStream().readAllBytes(); // returns when the server closes the connection
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            assertThat(new String(rest, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("200 OK");
        }
    }

    @Test
    void securityEventsAreAuditedWithRequestId() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults());
        String forged = s.key("alice", Scope.MODELS_USE).substring(0, 13) + "B".repeat(43);
        s.get("/api/tags", "Authorization", "Bearer " + forged, "X-Request-Id", "req-audit-1");
        s.get("/api/admin/users", "Authorization", "Bearer " + s.key("alice", Scope.MODELS_USE), "X-Request-Id", "req-audit-2");
        List<String> lines = Files.readAllLines(home.resolve("audit.log"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"request_id\":\"req-audit-1\"", "\"action\":\"auth.failure\"",
                "\"key_prefix\":\"" + forged.substring(4, 12) + "\"").doesNotContain("BBBBBBBB");
        assertThat(lines.get(1)).contains("\"request_id\":\"req-audit-2\"", "\"action\":\"authz.denied\"", "\"actor\":\"alice\"");
        assertThat(AuditLog.verify(home.resolve("audit.log")).ok()).isTrue();
    }

    @Test
    void authFailureFloodIsThrottledBeforeAuditing() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withRateLimits(new RateLimits(100, 100, 3, Duration.ofMinutes(1))));
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(s.get("/api/tags", "Authorization", "Bearer bad-" + i).statusCode());
        }
        assertThat(statuses).containsExactly(401, 401, 401, 429, 429, 429);
        assertThat(Files.readAllLines(home.resolve("audit.log"))).hasSize(3);
    }

    @Test
    void scopeDenialFloodIsThrottledBeforeAuditing() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withRateLimits(new RateLimits(3, 100, 100, Duration.ofMinutes(1))));
        String use = "Bearer " + s.key("alice", Scope.MODELS_USE);
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(s.get("/api/admin/users", "Authorization", use).statusCode());
        }
        assertThat(statuses).containsExactly(403, 403, 403, 429, 429, 429);
        assertThat(Files.readAllLines(home.resolve("audit.log"))).hasSize(3);
    }

    @Test
    void auditTargetsAreSanitized() {
        assertThat(SecurityFilterChain.printable("/api/x\n\rfake")).isEqualTo("/api/x??fake");
        assertThat(SecurityFilterChain.printable("/" + "a".repeat(1000))).hasSize(259);
    }

    @Test
    void insecureNoAuthOnlyOnLoopback() throws Exception {
        assertThatThrownBy(() -> new SecurityFilterChain(SecurityConfig.defaults().withBind("0.0.0.0", 0).withInsecureNoAuth(true), null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("0.0.0.0");
        assertThatThrownBy(() -> new SecurityFilterChain(SecurityConfig.defaults().withBind("example.com", 0).withInsecureNoAuth(true), null, null))
                .hasMessageContaining("example.com");
        SecuredApp s = start(SecurityConfig.defaults().withInsecureNoAuth(true));
        assertThat(s.get("/api/admin/users").body()).isEqualTo("local");
    }

    @Test
    void insecureNoAuthRefusesLocalhostThatResolvesBeyondLoopback() {
        java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
        java.net.InetAddress routable = java.net.InetAddress.ofLiteral("192.0.2.10");
        SecurityFilterChain.requireLoopback("localhost", host -> new java.net.InetAddress[] {loopback});
        assertThatThrownBy(() -> SecurityFilterChain.requireLoopback("localhost", host -> new java.net.InetAddress[] {routable}))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'localhost'");
        assertThatThrownBy(() -> SecurityFilterChain.requireLoopback("LOCALHOST",
                host -> new java.net.InetAddress[] {loopback, routable})).hasMessageContaining("LOCALHOST");
        assertThatThrownBy(() -> SecurityFilterChain.requireLoopback("localhost", host -> {
            throw new java.net.UnknownHostException(host);
        })).isInstanceOf(IllegalStateException.class);
        for (String host : List.of("::", "[::]", "0.0.0.0", "localhost.", "127.0.0.1.nip.io", "0:0:0:0:0:0:0:0")) {
            assertThatThrownBy(() -> SecurityFilterChain.requireLoopback(host)).as(host).isInstanceOf(IllegalStateException.class);
        }
        SecurityFilterChain.requireLoopback("[::1]");
        SecurityFilterChain.requireLoopback("127.0.0.2");
    }

    @Test
    void insecureNoAuthRefusesForeignHostHeadersAgainstDnsRebinding() throws Exception {
        SecuredApp s = start(SecurityConfig.defaults().withInsecureNoAuth(true));
        // A page on evil.example that re-resolves its name to 127.0.0.1 sends same-origin GETs without an Origin header.
        for (String host : List.of("evil.example:" + s.app.port(), "evil.example", "127.0.0.1.evil.example", "localhost.evil.example")) {
            String response = s.raw("GET /api/admin/users HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(response).as(host).startsWith("HTTP/1.1 403").doesNotContain("local\n", "\r\n\r\nlocal");
        }
        for (String host : List.of("127.0.0.1:" + s.app.port(), "localhost:" + s.app.port(), "LOCALHOST", "[::1]:" + s.app.port())) {
            String response = s.raw("GET /api/admin/users HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(response).as(host).startsWith("HTTP/1.1 200").endsWith("local");
        }
    }

    @Test
    void usesTheServersOwnBindWhenConfigHasNone() throws Exception {
        SecuredApp fixture = start(SecurityConfig.defaults());
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), fixture.keys, null);
        io.javalin.Javalin app = io.javalin.Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            chain.install(c);
            c.routes.get("/api/tags", ctx -> ctx.result(RequestContext.principalName(ctx)), Access.MODELS_USE);
        }).start();
        try {
            HttpResponse<String> r = fixture.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.port() + "/api/tags"))
                    .header("Authorization", "Bearer " + fixture.key("bob", Scope.MODELS_USE)));
            assertThat(r.body()).isEqualTo("bob");
        } finally {
            app.stop();
        }
        SecurityFilterChain insecure = new SecurityFilterChain(SecurityConfig.defaults().withInsecureNoAuth(true), null, null);
        assertThatThrownBy(() -> io.javalin.Javalin.create(c -> {
            c.jetty.host = "0.0.0.0";
            insecure.install(c);
        })).hasMessageContaining("0.0.0.0");
    }

    @Test
    void badConfigurationFailsAtStartupNamingTheValue() {
        assertThatThrownBy(() -> new SecurityFilterChain(SecurityConfig.defaults().withNetwork(List.of("intranet.local/8"), List.of(), List.of()), null, null))
                .hasMessageContaining("intranet.local");
        assertThatThrownBy(() -> new SecurityFilterChain(SecurityConfig.defaults().withNetwork(List.of(), List.of(), List.of("*")), null, null))
                .hasMessageContaining("wildcard");
        assertThatThrownBy(() -> SecurityConfig.defaults().withTls(home.resolve("cert.pem"), null))
                .hasMessageContaining("--tls-key");
    }

    @Test
    void aSecuredServerTakesTheChainsBodyLimitAndInstallsTheChain() {
        SecurityConfig config = SecurityConfig.defaults().withLimits(1024, 16 * 1024, Duration.ofSeconds(30))
                .withInsecureNoAuth(true);
        ServerConfig plain = ServerConfig.defaults(new BindAddress("127.0.0.1", 0));
        ServerConfig secured = new SecurityFilterChain(config, null, null).secure(plain);
        assertThat(plain.maxBodyBytes()).isNotEqualTo(1024);
        assertThat(secured.maxBodyBytes()).as("API handlers read bodies up to the same limit the chain enforces").isEqualTo(1024);
        assertThat(plain.security()).isEqualTo(SecurityLayer.NONE);
        assertThat(secured.security()).isInstanceOf(SecurityFilterChain.class);
    }
}
