package dev.bastion.api;

import dev.bastion.api.ops.HealthRoutes;
import dev.bastion.api.ops.Readiness;
import dev.bastion.api.ops.ServerMetrics;
import dev.bastion.api.security.ErrorResponses;
import dev.bastion.engine.template.PromptTemplateException;
import dev.bastion.security.LogContext;
import dev.bastion.security.Scope;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.LinkedHashMap;
import java.util.Map;

/** The HTTP server: Ollama's API under {@code /api}, OpenAI's under {@code /v1}, sharing one model scheduler. */
public final class BastionServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BastionServer.class);

    private final ServerConfig config;
    private final ModelScheduler scheduler;
    private final Readiness readiness = new Readiness();
    private final ServerMetrics metrics = new ServerMetrics();
    private final Javalin app;

    public BastionServer(ServerConfig config, ModelCatalog catalog, RuntimeLoader loader) {
        this(config, catalog, loader, GenerationListener.NONE);
    }

    /** @param listener sees every generation and embedding with its caller (metering, quotas) */
    public BastionServer(ServerConfig config, ModelCatalog catalog, RuntimeLoader loader, GenerationListener listener) {
        this.config = config;
        this.scheduler = new ModelScheduler(catalog, loader, config.scheduler()).gatedBy(ModelGate.of(config.modules()));
        readiness.add("store", () -> {
            catalog.checkReadable();
            return true;
        });
        metrics.watch(scheduler);
        metrics.watch(readiness);
        GenerationListener observed = GenerationListener.both(metrics.observe(listener), config.modules().stream()
                .map(ServerModule::generationObserver).filter(o -> o != GenerationListener.NONE).toList());
        ChatService chats = new ChatService(catalog,
                new Generations(scheduler, config.scheduler().templateLimits(), observed), config);
        OllamaApi ollama = new OllamaApi(catalog, chats, scheduler, config);
        OpenAiApi openAi = new OpenAiApi(catalog, chats, config);
        AnthropicApi anthropic = new AnthropicApi(chats, config);
        ResponsesApi responses = new ResponsesApi(chats, config);
        ServerServices services = new ServerServices((ctx, request, heard) ->
                chats.respond(ctx, chats.chatCall(Caller.of(ctx), request), ReplyEncoder.ndjson(reply -> reply), heard),
                new LocalModels() {
                    @Override
                    public java.util.List<String> held() {
                        return catalog.list().stream().map(ModelCatalog.ModelSummary::name).toList();
                    }

                    @Override
                    public java.util.List<ModelScheduler.LoadedModel> loaded() {
                        return scheduler.loaded();
                    }
                },
                readiness, metrics);
        config.modules().forEach(module -> module.bind(services));
        ModelAdminRoutes modelAdmin = new ModelAdminRoutes(catalog, scheduler, config);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.concurrency.useVirtualThreads = true;
            c.http.compressionStrategy = CompressionStrategy.NONE;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.jetty.host = config.bind().host();
            c.jetty.port = config.bind().port();
            c.requestLogger.http((ctx, millis) -> {
                metrics.request(ctx, millis);
                logRequest(ctx, millis);
            });
            config.security().install(c, config.modules().stream().flatMap(m -> m.authenticators().stream()).toList());
            c.routes.after(UnreadBody::drain);
            new HealthRoutes(readiness).register(c.routes);
            c.routes.get("/metrics", ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()),
                    Access.scope(Scope.METRICS_READ));
            config.modules().forEach(module -> module.register(c));
            ollama.register(c.routes);
            openAi.register(c.routes);
            anthropic.register(c.routes);
            responses.register(c.routes);
            modelAdmin.register(c.routes);
            c.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.param()));
            c.routes.exception(PromptTemplateException.class, (e, ctx) -> {
                ApiException api = ApiException.of(e);
                error(ctx, api.status(), api.getMessage(), api.param());
            });
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
            c.routes.exception(InterruptedException.class, (e, ctx) -> {
                Thread.currentThread().interrupt();
                error(ctx, 503, "server is shutting down", null);
            });
            c.routes.exception(Exception.class, (e, ctx) -> error(ctx, 500, internalError(ctx, e), null));
        });
    }

    public BastionServer start() {
        app.start();
        config.modules().forEach(ServerModule::start);
        return this;
    }

    /** The bound port (useful when configured with port 0). */
    public int port() {
        return app.port();
    }

    public String baseUrl() {
        String host = config.bind().host();
        if (host.equals("0.0.0.0") || host.equals("::")) host = "127.0.0.1";
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public ModelScheduler scheduler() {
        return scheduler;
    }

    /** Whether this node takes new requests ({@code /health/ready}); drain it here. */
    public Readiness readiness() {
        return readiness;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        readiness.drain(); // probes in the last moments of a shutdown see 503, not a half-closed node
        app.stop();
        config.modules().forEach(ServerModule::stop);
        scheduler.close();
        metrics.close();
    }

    /**
     * Sets the request's id and caller for the request line itself, so the line carries them whichever thread and
     * stage Javalin logs it on (after-handlers clear the context), and clears them after.
     */
    private static void logRequest(Context ctx, Float millis) {
        String requestId = RequestContext.requestId(ctx);
        String user = RequestContext.principalName(ctx);
        if (requestId != null) MDC.put(LogContext.REQUEST_ID, requestId);
        if (user != null) MDC.put(LogContext.USER, user);
        try {
            LOG.info("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(millis));
        } finally {
            MDC.remove(LogContext.REQUEST_ID);
            MDC.remove(LogContext.USER);
        }
    }

    /** Logs an unexpected failure server-side and returns the only thing the client learns about it. */
    static String internalError(Context ctx, Exception e) {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        return "internal server error";
    }

    /** Writes the error in the shape of the API the path belongs to, with the request id; nothing internal is revealed. */
    static void error(Context ctx, int status, String message, String param) {
        String type = status >= 500 ? "server_error" : status == 402 ? "insufficient_quota" : "invalid_request_error";
        String code = status == 404 && "model".equals(param) ? "model_not_found" : status == 402 ? "insufficient_quota" : null;
        ErrorResponses.write(ctx, status, message, type, code, param);
    }
}
