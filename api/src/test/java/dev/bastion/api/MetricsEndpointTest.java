package dev.bastion.api;

import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GET /metrics: Prometheus text behind its own admin-only scope, with low-cardinality request and generation meters. */
class MetricsEndpointTest extends SecuredStoreTest {

    private TestHttp scraper() {
        return client("root", Set.of(Scope.METRICS_READ));
    }

    /** The value of one sample line, e.g. {@code bastion_tokens_generated_total{model="shared"}}; NaN if absent. */
    static double sample(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name + (labels.length == 0 ? " " : "{"))) continue;
            boolean all = true;
            for (String label : labels) all &= line.contains(label);
            if (all) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return Double.NaN;
    }

    @Test
    void onlyAKeyWithMetricsReadMayScrape() throws Exception {
        assertThat(new TestHttp(server.baseUrl()).get("/metrics").status()).isEqualTo(401);
        assertThat(alice.get("/metrics").status()).isEqualTo(403);
        // an admin key without the scope is refused too: a scraper's key is one that can do nothing else
        TestHttp adminNoMetrics = client("root", Set.of(Scope.ADMIN, Scope.MODELS_USE));
        assertThat(adminNoMetrics.get("/metrics").status()).isEqualTo(403);
        TestHttp.Response r = scraper().get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain").contains("version=0.0.4");
        assertThat(r.body()).contains("# TYPE http_server_requests_seconds histogram", "jvm_memory_used_bytes",
                "process_uptime_seconds", "jvm_threads_live_threads", "bastion_models_loaded", "bastion_scheduler_queued");
    }

    @Test
    void aScraperKeyCanDoNothingElse() throws Exception {
        TestHttp scraper = scraper();
        assertThat(scraper.get("/api/tags").status()).isEqualTo(403);
        assertThat(scraper.post("/api/generate", "{\"model\":\"shared\",\"prompt\":\"hi\"}").status()).isEqualTo(403);
        assertThat(scraper.get("/api/admin/users").status()).isIn(403, 404);
    }

    @Test
    void plainUsersCannotHoldTheScopeAndADemotedAdminLosesIt() throws Exception {
        assertThatThrownBy(() -> services.keys().create("alice", Set.of(Scope.METRICS_READ), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metrics:read");
        String key = services.keys().create("root", Set.of(Scope.METRICS_READ), null, null).secret();
        TestHttp formerAdmin = new TestHttp(server.baseUrl(), "Authorization", "Bearer " + key);
        assertThat(formerAdmin.get("/metrics").status()).isEqualTo(200);
        services.users().create("other-admin", Role.ADMIN);
        services.users().setRole("root", Role.USER);
        assertThat(formerAdmin.get("/metrics").status()).isEqualTo(403);
    }

    @Test
    void requestsAreCountedByRouteTemplateNeverByRawPath() throws Exception {
        assertThat(alice.get("/api/tags").status()).isEqualTo(200);
        assertThat(alice.post("/api/show", "{\"model\":\"no-such-model-4f2a\"}").status()).isEqualTo(404);
        assertThat(alice.head("/api/blobs/sha256:" + "ab".repeat(32)).status()).isIn(200, 404);
        assertThat(alice.get("/secret-probe-7d1c/../etc/passwd").status()).isIn(401, 403, 404, 400);
        assertThat(alice.get("/unknown-9e3b?x=" + "y".repeat(100)).status()).isIn(401, 403, 404);
        String scrape = scraper().get("/metrics").body();
        assertThat(sample(scrape, "http_server_requests_seconds_count", "route=\"/api/tags\"", "status=\"200\"", "method=\"GET\""))
                .isEqualTo(1.0);
        assertThat(sample(scrape, "http_server_requests_seconds_count", "route=\"/api/show\"", "status=\"404\"")).isEqualTo(1.0);
        assertThat(scrape).contains("route=\"/api/blobs/{digest}\"").contains("route=\"unmatched\"")
                .doesNotContain("no-such-model-4f2a", "secret-probe-7d1c", "unknown-9e3b", "ab".repeat(32), "passwd");
        assertThat(scrape).contains("http_server_requests_seconds_bucket{").contains("le=\"0.1\"");
    }

    @Test
    void generationsCountTokensSpeedAndTheLoadedModel() throws Exception {
        TestHttp.Response r = alice.post("/api/generate",
                "{\"model\":\"shared\",\"prompt\":\"one two three\",\"stream\":false,\"options\":{\"num_predict\":5}}");
        assertThat(r.status()).isEqualTo(200);
        int generated = r.json().get("eval_count").asInt();
        assertThat(generated).isPositive();
        String scrape = scraper().get("/metrics").body();
        assertThat(sample(scrape, "bastion_tokens_generated_total", "model=\"shared:latest\"")).isEqualTo(generated);
        assertThat(sample(scrape, "bastion_generations_total", "model=\"shared:latest\"", "done=\"")).isEqualTo(1.0);
        assertThat(sample(scrape, "bastion_generation_decode_seconds_count", "model=\"shared:latest\"")).isEqualTo(1.0);
        assertThat(sample(scrape, "bastion_generation_decode_tokens_per_second_count", "model=\"shared:latest\"")).isEqualTo(1.0);
        assertThat(sample(scrape, "bastion_generation_prefill_tokens_per_second_count", "model=\"shared:latest\"")).isEqualTo(1.0);
        assertThat(sample(scrape, "bastion_models_loaded")).isEqualTo(1.0);
        assertThat(sample(scrape, "bastion_scheduler_queued")).isEqualTo(0.0);
        assertThat(sample(scrape, "http_server_requests_seconds_count", "route=\"/api/generate\"", "status=\"200\"")).isEqualTo(1.0);
        // no caller identity anywhere in the metrics
        assertThat(scrape).doesNotContain("alice");
    }

    @Test
    void rateLimitRefusalsAreCountedByReason() throws Exception {
        server.close();
        server = start(SecurityConfig.defaults().withRateLimits(new RateLimits(2, 100, 100, Duration.ofMinutes(1))));
        TestHttp limited = client("alice", Set.of(Scope.MODELS_USE));
        int refused = 0;
        for (int i = 0; i < 5; i++) if (limited.get("/api/tags").status() == 429) refused++;
        assertThat(refused).isEqualTo(3);
        new TestHttp(server.baseUrl(), "Authorization", "Bearer bst_AAAAAAAA_" + "x".repeat(43)).get("/api/tags");
        String scrape = client("root", Set.of(Scope.METRICS_READ)).get("/metrics").body();
        assertThat(sample(scrape, "bastion_security_refusals_total", "reason=\"rate_limit_exceeded\"")).isEqualTo(3.0);
        assertThat(sample(scrape, "bastion_security_refusals_total", "reason=\"invalid_api_key\"")).isEqualTo(1.0);
        assertThat(sample(scrape, "http_server_requests_seconds_count", "route=\"/api/tags\"", "status=\"429\"")).isEqualTo(3.0);
    }

    @Test
    void everySampleLineIsWellFormedPrometheusText() throws Exception {
        alice.get("/api/tags");
        String scrape = scraper().get("/metrics").body();
        Pattern line = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*\\})? "
                + "[-+]?([0-9.eE+-]+|NaN|Inf)( [0-9]+)?");
        for (String l : scrape.split("\n")) {
            if (l.isEmpty() || l.startsWith("#")) continue;
            Matcher m = line.matcher(l);
            assertThat(m.matches()).as(l).isTrue();
        }
    }
}
