package dev.bastion.api.ops;

import dev.bastion.api.Caller;
import dev.bastion.api.GenerationCall;
import dev.bastion.api.GenerationListener;
import dev.bastion.api.ModelScheduler;
import dev.bastion.api.RequestContext;
import dev.bastion.engine.generate.GenerationResult;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * This node's metrics in one Prometheus registry, recorded where the server already measures: every request once, in
 * the request log hook; every generation and embedding once, around the {@link GenerationListener} (which already sees
 * them all); the scheduler's state as gauges read at scrape time. Tags are low-cardinality by construction: route
 * templates (never raw paths), stored model names (only models that exist), fixed refusal codes; never users or keys.
 */
public final class ServerMetrics implements AutoCloseable {

    /** Prometheus' classic text format, which every scraper reads. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    private static final Duration[] REQUEST_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ServerMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Where modules register their own meters (name them {@code bastion.<module>.…}). */
    public MeterRegistry registry() {
        return registry;
    }

    /** Everything, in Prometheus' text format. */
    public String scrape() {
        return registry.scrape();
    }

    /** Gauges of the scheduler: models loaded, requests waiting for a slot. */
    public void watch(ModelScheduler scheduler) {
        Gauge.builder("bastion.models.loaded", scheduler, s -> s.loaded().size())
                .description("Models resident in memory").register(registry);
        Gauge.builder("bastion.scheduler.queued", scheduler, ModelScheduler::queued)
                .description("Requests waiting for a generation slot").register(registry);
    }

    /** A gauge of draining: 1 while the node refuses new requests at /health/ready. */
    public void watch(Readiness readiness) {
        Gauge.builder("bastion.draining", readiness, r -> r.draining() ? 1 : 0)
                .description("1 while the node is draining").register(registry);
    }

    /** One finished request (the request log hook): by method, route template and status. */
    public void request(Context ctx, float millis) {
        Endpoint matched = matched(ctx);
        String method = matched != null ? matched.method.name() : ctx.method().name();
        Timer.builder("http.server.requests").description("HTTP requests by route template and status")
                .tag("method", METHODS.contains(method) ? method : "OTHER")
                .tag("route", matched != null ? matched.path : "unmatched")
                .tag("status", Integer.toString(ctx.statusCode()))
                .serviceLevelObjectives(REQUEST_BUCKETS)
                .register(registry).record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS);
        if (ctx.attribute(RequestContext.REFUSAL_ATTRIBUTE) instanceof String reason) {
            Counter.builder("bastion.security.refusals")
                    .description("Requests refused by the security chain, by error code (rate_limit_exceeded, ...)")
                    .tag("reason", reason).register(registry).increment();
        }
    }

    /** The route the request matched, or null (refused before routing, or no route serves the path). */
    private static Endpoint matched(Context ctx) {
        try {
            return ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException none) {
            return null;
        }
    }

    /** {@code inner} with every generation's and embedding's tokens, speed and credits counted. */
    public GenerationListener observe(GenerationListener inner) {
        return new GenerationListener() {
            @Override
            public Ticket starting(GenerationCall call) {
                Ticket ticket = inner.starting(call);
                return new Ticket() {
                    @Override
                    public Long finished(GenerationResult result) {
                        Long charged = ticket.finished(result);
                        generated(call.storedModel(), result);
                        charged("generation", charged);
                        return charged;
                    }

                    @Override
                    public void close() {
                        ticket.close();
                    }
                };
            }

            @Override
            public Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
                Long charged = inner.embedded(caller, storedModel, inputs, tokens);
                Counter.builder("bastion.embedding.tokens").description("Tokens embedded")
                        .tag("model", storedModel).register(registry).increment(tokens);
                charged("embedding", charged);
                return charged;
            }
        };
    }

    private void generated(String model, GenerationResult result) {
        Counter.builder("bastion.generations").description("Generations by how they ended")
                .tag("model", model).tag("done", result.doneReason().name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
        Counter.builder("bastion.tokens.generated").description("Tokens generated (decoded)")
                .tag("model", model).register(registry).increment(result.generatedTokens());
        Counter.builder("bastion.tokens.prefilled").description("Prompt tokens prefilled (cached ones excluded)")
                .tag("model", model).register(registry).increment(Math.max(0, result.promptTokens() - result.cachedTokens()));
        Timer.builder("bastion.generation.prefill").description("Time spent prefilling prompts")
                .tag("model", model).register(registry).record(result.promptEvalNanos(), TimeUnit.NANOSECONDS);
        Timer.builder("bastion.generation.decode").description("Time spent decoding")
                .tag("model", model).register(registry).record(result.evalNanos(), TimeUnit.NANOSECONDS);
        if (result.promptEvalNanos() > 0) {
            DistributionSummary.builder("bastion.generation.prefill.tokens.per.second")
                    .description("Prefill speed of each generation").tag("model", model).register(registry)
                    .record(result.prefillTokensPerSecond());
        }
        if (result.evalNanos() > 0 && result.generatedTokens() > 0) {
            DistributionSummary.builder("bastion.generation.decode.tokens.per.second")
                    .description("Decode speed of each generation").tag("model", model).register(registry)
                    .record(result.decodeTokensPerSecond());
        }
    }

    private void charged(String kind, Long credits) {
        if (credits != null && credits > 0) {
            Counter.builder("bastion.credits.charged").description("Credits charged to callers")
                    .tag("kind", kind).register(registry).increment(credits);
        }
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
