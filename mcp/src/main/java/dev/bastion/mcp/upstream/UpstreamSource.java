package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolNames;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSpec;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One upstream MCP server as a {@link ToolSource}: connects with the SDK's client (over {@link ProcessTransport} or
 * Streamable HTTP), keeps its tool list (refreshed on {@code notifications/tools/list_changed}), and restarts it with
 * capped exponential backoff when the process dies or cannot be reached. Each call has its own timeout, progress
 * routing (by a per-call progress token) and cancellation; a call's failure never takes the connection down.
 */
public final class UpstreamSource implements ToolSource {

    public enum State { STARTING, READY, FAILED, STOPPED }

    /** What {@code bastion mcp list} shows. {@code lastError} never holds secrets: it is built from fixed phrases. */
    public record Status(String name, String kind, State state, int toolCount, String lastError, int restarts) {
    }

    /**
     * @param callTimeout how long one call may take before it fails (and is cancelled upstream)
     * @param stableAfter a connection that stayed up this long resets the backoff
     */
    public record Options(Duration callTimeout, Duration startTimeout, Duration initialBackoff, Duration maxBackoff,
                          Duration stableAfter) {
        public static final String ENV_CALL_TIMEOUT = "BASTION_MCP_UPSTREAM_TIMEOUT";

        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(1),
                    Duration.ofSeconds(60), Duration.ofSeconds(60));
        }

        /** The defaults, with the call timeout from {@value #ENV_CALL_TIMEOUT} (whole seconds, 1 to 3600) if set. */
        public static Options fromEnvironment(Map<String, String> env) {
            Options defaults = defaults();
            String value = env.get(ENV_CALL_TIMEOUT);
            if (value == null || value.isBlank()) return defaults;
            long seconds;
            try {
                seconds = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > 3600) {
                throw new IllegalArgumentException(ENV_CALL_TIMEOUT + " must be whole seconds from 1 to 3600");
            }
            return new Options(Duration.ofSeconds(seconds), defaults.startTimeout(), defaults.initialBackoff(),
                    defaults.maxBackoff(), defaults.stableAfter());
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong TOKENS = new AtomicLong();
    /** The same bound as a stdio line: one answer cannot exhaust the server's memory. */
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    private record Connection(McpAsyncClient client, CancellingTransport transport, ProcessTransport process, long startedAt) {
    }

    private final UpstreamConfig config;
    private final Options options;
    private final ScheduledExecutorService supervisor;
    private final Map<Object, ProgressSink> progressByToken = new ConcurrentHashMap<>();
    private volatile Connection current;
    private volatile List<ToolSpec> tools = List.of();
    private volatile List<JsonNode> prompts = List.of();
    private volatile List<JsonNode> resources = List.of();
    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile boolean closed;
    private volatile int failures;
    private volatile int restarts;

    public UpstreamSource(UpstreamConfig config, Options options) {
        this.config = config;
        this.options = options;
        this.supervisor = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("mcp-upstream-" + config.name()).factory());
    }

    /** Connects in the background; {@link #status()} tells how it went. */
    public void start() {
        state = State.STARTING;
        supervisor.execute(this::connect);
    }

    public UpstreamConfig config() {
        return config;
    }

    @Override
    public String namespace() {
        return config.name();
    }

    @Override
    public List<ToolSpec> tools() {
        return state == State.READY ? tools : List.of();
    }

    public Status status() {
        return new Status(config.name(), config.kind().id(), state, tools().size(), lastError, restarts);
    }

    /** The process id of a stdio upstream's current process, or -1. */
    long pid() {
        Connection c = current;
        return c == null || c.process() == null ? -1 : c.process().pid();
    }

    private void connect() {
        if (closed) return;
        state = State.STARTING;
        Connection connection = null;
        try {
            connection = open();
            current = connection;
            awaitUnlessExited(connection.client().initialize(), connection);
            McpSchema.ListToolsResult listed = awaitUnlessExited(connection.client().listTools(), connection);
            setTools(listed == null ? List.of() : listed.tools());
            listPromptsAndResources(connection);
            if (closed) return;
            state = State.READY;
            LOG.info("upstream {} ready with {} tool(s)", config.name(), tools.size());
            Connection up = connection;
            if (up.process() != null) up.process().exit().thenAccept(code -> lost(up, "the process exited with code " + code));
        } catch (RuntimeException e) {
            lost(connection, "could not connect: " + describe(e, true));
        }
    }

    /** A process that dies while starting fails the start at once rather than after the start timeout. */
    private <T> T awaitUnlessExited(Mono<T> step, Connection connection) {
        if (connection.process() == null) return step.block(options.startTimeout());
        Mono<T> exited = Mono.fromFuture(connection.process().exit(), true)
                .flatMap(code -> Mono.error(new IllegalStateException("the process exited with code " + code)));
        return Mono.firstWithSignal(step, exited).block(options.startTimeout());
    }

    private Connection open() {
        JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        ProcessTransport process = null;
        io.modelcontextprotocol.spec.McpClientTransport inner;
        if (config.kind() == UpstreamConfig.Kind.STDIO) {
            process = new ProcessTransport(config.name(), config.command(), config.processEnv(), json);
            inner = process;
        } else {
            URI uri = URI.create(config.url());
            String base = uri.getScheme() + "://" + uri.getRawAuthority();
            String endpoint = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            Map<String, String> headers = config.allHeaders();
            inner = HttpClientStreamableHttpTransport.builder(base).endpoint(endpoint).jsonMapper(json)
                    .connectTimeout(options.startTimeout())
                    .maxResponseSize(MAX_RESPONSE_BYTES)
                    .httpRequestCustomizer((builder, method, target, body, context) -> headers.forEach(builder::setHeader))
                    .build();
        }
        CancellingTransport transport = new CancellingTransport(inner);
        McpAsyncClient client = McpClient.async(transport)
                .clientInfo(new McpSchema.Implementation("bastion", "0.1.0"))
                .requestTimeout(options.callTimeout().plusSeconds(5))
                .initializationTimeout(options.startTimeout())
                .toolsChangeConsumer(list -> Mono.fromRunnable(() -> setTools(list)))
                .progressConsumer(note -> Mono.fromRunnable(() -> forwardProgress(note)))
                .promptsChangeConsumer(list -> Mono.fromRunnable(() -> setPrompts(list)))
                .resourcesChangeConsumer(list -> Mono.fromRunnable(() -> resources = asJson(list)))
                .build();
        return new Connection(client, transport, process, System.nanoTime());
    }

    /** The connection is gone (or never came): record why, close it, and try again after the backoff. */
    private synchronized void lost(Connection connection, String why) {
        if (closed || connection != current) return; // a connection already given up on
        if (connection != null && System.nanoTime() - connection.startedAt() > options.stableAfter().toNanos()) failures = 0;
        lastError = why;
        state = State.FAILED;
        current = null;
        LOG.warn("upstream {}: {}", config.name(), why);
        long delay = Math.min(options.maxBackoff().toMillis(), options.initialBackoff().toMillis() << Math.min(failures, 20));
        failures++;
        restarts++;
        try {
            // On the supervisor's one thread, outside this lock: closing waits for the process, whose exit calls here.
            if (connection != null) supervisor.execute(() -> closeQuietly(connection));
            supervisor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed meanwhile
        }
    }

    private void setTools(List<McpSchema.Tool> listed) {
        List<ToolSpec> accepted = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<String> skipped = new ArrayList<>();
        for (McpSchema.Tool tool : listed) {
            String name = tool.name();
            if (name == null || !ToolNames.FULL_NAME.matcher(ToolNames.full(config.name(), name)).matches() || !seen.add(name)) {
                skipped.add(name == null ? "(unnamed)" : UpstreamConfig.printable(name));
                continue;
            }
            accepted.add(new ToolSpec(name, tool.description(), JSON.valueToTree(tool.inputSchema()),
                    tool.annotations() == null ? null : JSON.valueToTree(tool.annotations())));
        }
        tools = List.copyOf(accepted);
        if (!skipped.isEmpty()) {
            lastError = "skipped " + skipped.size() + " tool(s) whose names are invalid or repeated: " + String.join(", ", skipped);
            LOG.warn("upstream {}: {}", config.name(), lastError);
        }
    }

    /** Optional extras: an upstream whose prompt or resource listing fails still serves its tools. */
    private void listPromptsAndResources(Connection connection) {
        McpSchema.ServerCapabilities capabilities = connection.client().getServerCapabilities();
        try {
            if (capabilities != null && capabilities.prompts() != null) {
                McpSchema.ListPromptsResult listed = connection.client().listPrompts().block(options.startTimeout());
                setPrompts(listed == null ? List.of() : listed.prompts());
            }
            if (capabilities != null && capabilities.resources() != null) {
                McpSchema.ListResourcesResult listed = connection.client().listResources().block(options.startTimeout());
                resources = asJson(listed == null ? List.of() : listed.resources());
            }
        } catch (RuntimeException e) {
            LOG.warn("upstream {}: cannot list its prompts or resources: {}", config.name(), describe(e, true));
        }
    }

    /** Prompts are named like tools ({@code namespace__prompt}); names that would not be valid are left out. */
    private void setPrompts(List<McpSchema.Prompt> listed) {
        prompts = asJson(listed.stream().filter(p -> p.name() != null
                && ToolNames.FULL_NAME.matcher(ToolNames.full(config.name(), p.name())).matches()).toList());
    }

    private static List<JsonNode> asJson(List<?> items) {
        return items.stream().map(item -> (JsonNode) JSON.valueToTree(item)).toList();
    }

    /** The upstream's prompts as MCP describes them (names within the namespace), for the gateway to offer. */
    public List<JsonNode> prompts() {
        return state == State.READY ? prompts : List.of();
    }

    /** The upstream's resources as MCP describes them (their own URIs). */
    public List<JsonNode> resources() {
        return state == State.READY ? resources : List.of();
    }

    /** {@code prompts/get}: the result as MCP shapes it. */
    public JsonNode getPrompt(String name, Map<String, Object> arguments) throws ToolException {
        Connection connection = readyConnection();
        return ask(connection.client().getPrompt(new McpSchema.GetPromptRequest(name, arguments == null ? Map.of() : arguments)));
    }

    /** {@code resources/read}: the result as MCP shapes it. */
    public JsonNode readResource(String uri) throws ToolException {
        Connection connection = readyConnection();
        return ask(connection.client().readResource(new McpSchema.ReadResourceRequest(uri)));
    }

    private Connection readyConnection() throws ToolException {
        Connection connection = current;
        if (state != State.READY || connection == null) {
            throw new ToolException("upstream " + config.name() + " is not available (" + state.name().toLowerCase() + ")");
        }
        return connection;
    }

    private JsonNode ask(Mono<?> request) throws ToolException {
        try {
            return JSON.valueToTree(request.block(options.callTimeout()));
        } catch (RuntimeException e) {
            throw new ToolException("upstream " + config.name() + " failed the request: " + describe(e, false));
        }
    }

    private void forwardProgress(McpSchema.ProgressNotification note) {
        ProgressSink sink = note.progressToken() == null ? null : progressByToken.get(note.progressToken());
        if (sink != null && note.progress() != null) sink.progress(note.progress(), note.total(), note.message());
    }

    @Override
    public ToolResult call(ToolInvocation invocation) throws ToolException {
        Connection connection = current;
        if (state != State.READY || connection == null) {
            throw new ToolException("upstream " + config.name() + " is not available (" + state.name().toLowerCase() + ")");
        }
        if (invocation.arguments() != null && !invocation.arguments().isObject() && !invocation.arguments().isNull()) {
            return ToolResult.error("arguments must be a JSON object");
        }
        String token = "bastion-" + TOKENS.incrementAndGet();
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = invocation.arguments() == null || invocation.arguments().isNull() ? Map.of()
                : JSON.convertValue(invocation.arguments(), Map.class);
        progressByToken.put(token, invocation.progress() == null ? ProgressSink.NONE : invocation.progress());
        CompletableFuture<McpSchema.CallToolResult> answer = connection.client()
                .callTool(new McpSchema.CallToolRequest(invocation.tool(), arguments, Map.of("progressToken", token)))
                .toFuture();
        long deadline = System.nanoTime() + options.callTimeout().toNanos();
        try {
            while (true) {
                if (invocation.cancel() != null && invocation.cancel().isCancelled()) {
                    connection.transport().cancel(token, "cancelled by the client");
                    answer.cancel(true);
                    throw new ToolException("the call to " + config.name() + " was cancelled");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    connection.transport().cancel(token, "timed out");
                    answer.cancel(true);
                    throw new ToolException("upstream " + config.name() + " did not answer within "
                            + options.callTimeout().toSeconds() + " s");
                }
                try {
                    return toResult(answer.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS));
                } catch (TimeoutException stillWaiting) {
                    // check cancellation and the deadline again
                }
            }
        } catch (ExecutionException e) {
            // A stdio upstream's death is seen through its exit; an HTTP one's only through a failing call.
            if (config.kind() == UpstreamConfig.Kind.HTTP && lostConnection(e.getCause())) {
                lost(connection, "the connection was lost: " + describe(e.getCause(), true));
            }
            throw new ToolException("upstream " + config.name() + " failed the call: " + describe(e.getCause(), false));
        } catch (InterruptedException e) {
            connection.transport().cancel(token, "interrupted");
            Thread.currentThread().interrupt();
            throw new ToolException("the call to " + config.name() + " was interrupted");
        } finally {
            progressByToken.remove(token);
            connection.transport().forget(token);
        }
    }

    private static boolean lostConnection(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof io.modelcontextprotocol.spec.McpTransportException
                    || t instanceof io.modelcontextprotocol.spec.McpTransportSessionNotFoundException
                    || t instanceof io.modelcontextprotocol.spec.McpTransportSessionClosedException) {
                return true;
            }
        }
        return false;
    }

    private static ToolResult toResult(McpSchema.CallToolResult result) throws ToolException {
        if (result == null || result.content() == null) throw new ToolException("the upstream's answer has no content");
        List<JsonNode> content = new ArrayList<>();
        for (McpSchema.Content block : result.content()) content.add(JSON.valueToTree(block));
        JsonNode structured = result.structuredContent() == null ? null : JSON.valueToTree(result.structuredContent());
        return new ToolResult(content, structured, Boolean.TRUE.equals(result.isError()));
    }

    /**
     * A short reason without the upstream's raw output or host paths: JSON-RPC errors keep the upstream's own message
     * (abbreviated), decoding failures say only that the answer was malformed.
     */
    private static String describe(Throwable error, boolean forAdmin) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof McpError mcp && mcp.getJsonRpcError() != null) {
                return "upstream error " + mcp.getJsonRpcError().code() + ": " + UpstreamConfig.printable(String.valueOf(mcp.getJsonRpcError().message()));
            }
            if (t instanceof IllegalArgumentException || t instanceof com.fasterxml.jackson.core.JacksonException) {
                return "its answer was malformed";
            }
            if (t instanceof TimeoutException) return "no answer in time";
            if (t instanceof java.net.ConnectException) return "connection refused";
            if (t instanceof java.io.IOException) return "connection failed";
        }
        if (forAdmin && error != null && error.getMessage() != null) return UpstreamConfig.printable(error.getMessage());
        return error == null ? "unknown failure" : error.getClass().getSimpleName();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.client().closeGracefully().block(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // it is going away anyway
        }
        try {
            connection.transport().close();
        } catch (RuntimeException e) {
            // idem
        }
    }

    @Override
    public void close() {
        Connection connection;
        synchronized (this) {
            closed = true;
            state = State.STOPPED;
            connection = current;
            current = null;
        }
        supervisor.shutdownNow();
        if (connection != null) closeQuietly(connection);
    }
}
