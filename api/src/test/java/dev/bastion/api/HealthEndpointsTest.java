package dev.bastion.api;

import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** /health/live and /health/ready behind the real security chain: open to load balancers, revealing nothing. */
class HealthEndpointsTest extends SecuredStoreTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(BastionServer on, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(on.baseUrl() + path)).timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bothProbesAnswerOkWithoutAKeyAndCarryTheRequestIdAndSecurityHeaders() throws Exception {
        for (String path : List.of("/health/live", "/health/ready")) {
            HttpResponse<String> r = get(server, path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(r.headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).isNotBlank());
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        }
        assertThat(get(server, "/health/live", "X-Request-Id", "lb-probe-1").headers().firstValue("X-Request-Id")).hasValue("lb-probe-1");
    }

    @Test
    void aFailingCheckIs503AndNamesNothing() throws Exception {
        server.readiness().add("database", () -> {
            throw new java.sql.SQLException("connection to db.internal:5432 refused for user bastion");
        });
        HttpResponse<String> ready = get(server, "/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).isEqualTo("{\"status\":\"unavailable\"}");
        assertThat(ready.headers().firstValue("X-Request-Id")).isPresent();
        assertThat(server.readiness().verdict().failing()).containsExactly("database");
        // the process is still alive: an orchestrator must not restart it for a database outage
        assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void drainingIsUnavailableAtOnceAndResumingIsReadyAgain() throws Exception {
        assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
        server.readiness().drain();
        assertThat(get(server, "/health/ready").statusCode()).isEqualTo(503);
        assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
        server.readiness().resume();
        assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void anUnreadableStoreIsNotReady() throws Exception {
        java.nio.file.Path manifests = home.resolve("manifests");
        assertThat(manifests).isDirectory();
        java.nio.file.Files.move(manifests, home.resolve("manifests-away"));
        java.nio.file.Files.writeString(manifests, "not a directory");
        assertThat(get(server, "/health/ready").statusCode()).isEqualTo(503);
        assertThat(server.readiness().verdict().failing()).containsExactly("store");
    }

    @Test
    void probesAreNotRateLimitedButOtherOpenRoutesStillAre() throws Exception {
        server.close();
        server = start(SecurityConfig.defaults().withRateLimits(new RateLimits(100, 100, 3, Duration.ofMinutes(1))));
        for (int i = 0; i < 10; i++) {
            assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
        }
        // the probes did not spend this address's quota, and /api/version (open) is still limited
        List<Integer> version = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) version.add(get(server, "/api/version").statusCode());
        assertThat(version).containsExactly(200, 200, 200, 429, 429);
        assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void aFloodOfProbesRunsTheChecksAboutOnceASecond() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        server.readiness().add("counted", () -> runs.incrementAndGet() > 0);
        for (int i = 0; i < 50; i++) assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
        assertThat(runs.get()).isBetween(1, 5);
    }

    @Test
    void hostileRequestsToTheProbesLearnNothingMore() throws Exception {
        // a bad key, a huge request id, a foreign origin: no 401 or details, and no echo of the hostile values
        HttpResponse<String> r = get(server, "/health/ready", "Authorization", "Bearer bst_AAAAAAAA_" + "x".repeat(43),
                "X-Request-Id", "<script>" + "a".repeat(500));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(r.headers().firstValue("X-Request-Id").orElseThrow()).doesNotContain("<script>").hasSizeLessThan(200);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(get(server, "/health/ready", "Origin", "https://evil.example").statusCode()).isEqualTo(403);
        // other methods and paths under /health are not open: they are guarded like any unknown admin path
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health/ready"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(get(server, "/health/details").statusCode()).isEqualTo(401);
        assertThat(get(server, "/health/ready/../../api/tags").statusCode()).isEqualTo(401);
    }

    @Test
    void theIpAllowlistStillAppliesToProbes() throws Exception {
        server.close();
        server = start(SecurityConfig.defaults().withNetwork(List.of("10.0.0.0/8"), List.of(), List.of()));
        assertThat(get(server, "/health/live").statusCode()).isEqualTo(403);
        assertThat(get(server, "/health/live").body()).doesNotContain("ok");
    }
}
