package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSpec;
import dev.bastion.mcp.ToolUser;
import dev.bastion.security.db.Database;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static dev.bastion.mcp.builtin.docker.DockerToolSpecs.*;

/**
 * The built-in {@code docker} namespace: list, inspect, logs and stats of containers over the Docker Engine API,
 * read-only; {@code start}, {@code stop} and {@code restart} only for users an admin granted control
 * ({@link DockerControlGrants}). Off unless {@value DockerSettings#ENV_SOCKET} is set.
 */
public final class DockerTool implements ToolSource {

    public static final String NAMESPACE = "docker";
    static final int MAX_JSON_BYTES = 4 << 20;
    static final int MAX_LIST = 500;
    static final int LOG_KEEP_BYTES = 64 << 10;
    static final long LOG_READ_LIMIT = 16L << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Docker's label grammar is loose; this keeps the filter to plain keys and values without control characters. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,254}(=[\\x20-\\x7e]{0,1024})?");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerEngine engine;
    private final DockerControlGrants grants;

    private DockerTool(DockerEngine engine, DockerControlGrants grants) {
        this.engine = engine;
        this.grants = grants;
    }

    /** The tool on the Engine API at {@code socket}. */
    public static DockerTool open(Path socket, DockerControlGrants grants) {
        return open(socket, grants, TIMEOUT);
    }

    static DockerTool open(Path socket, DockerControlGrants grants, Duration timeout) {
        return new DockerTool(new DockerEngine(socket, timeout), grants);
    }

    /** The tool if {@value DockerSettings#ENV_SOCKET} names a socket; empty (the tool is off) otherwise. */
    public static Optional<DockerTool> fromEnvironment(Map<String, String> env, Database database) {
        return DockerSettings.socket(env).map(socket -> open(socket, new DockerControlGrants(database)));
    }

    @Override
    public String namespace() {
        return NAMESPACE;
    }

    /** The read-only tools: what anybody may be shown. */
    @Override
    public List<ToolSpec> tools() {
        return READ_ONLY;
    }

    /** The control tools are listed only for a user granted control. */
    @Override
    public List<ToolSpec> tools(ToolUser user) {
        if (!grants.allowed(user.userId())) return READ_ONLY;
        List<ToolSpec> all = new ArrayList<>(READ_ONLY);
        all.addAll(CONTROLS);
        return List.copyOf(all);
    }

    @Override
    public ToolResult call(ToolInvocation call) throws ToolException {
        try {
            return switch (call.tool()) {
                case LIST -> list(call);
                case INSPECT -> json(inspect(call, container(call)));
                case LOGS -> logs(call);
                case STATS -> stats(call);
                case START, STOP, RESTART -> control(call);
                default -> ToolResult.error("no such docker tool: " + call.tool());
            };
        } catch (Refusal refusal) {
            return ToolResult.error(refusal.getMessage());
        }
    }

    private ToolResult list(ToolInvocation call) throws ToolException, Refusal {
        Map<String, String> query = new LinkedHashMap<>();
        if (bool(call, "all", false)) query.put("all", "1");
        JsonNode label = call.arguments().get("label");
        if (label != null) {
            if (!label.isTextual() || !LABEL.matcher(label.asText()).matches()) {
                throw new Refusal("'label' must be key or key=value (printable ASCII)");
            }
            query.put("filters", JSON.createObjectNode().set("label", JSON.createArrayNode().add(label.asText())).toString());
        }
        JsonNode containers = engine.get("/containers/json", query, call.cancel(), (status, body) -> {
            EngineStatus.require2xx(status, body, "the container list");
            JsonNode answer = EngineBodies.readJson(body, MAX_JSON_BYTES);
            if (!answer.isArray()) throw new ToolException("the Docker engine's container list is not a list");
            return answer;
        });
        return json(ContainerViews.list(containers, MAX_LIST));
    }

    private JsonNode inspect(ToolInvocation call, ContainerRef ref) throws ToolException, Refusal {
        return ContainerViews.inspect(rawInspect(call, ref));
    }

    private JsonNode rawInspect(ToolInvocation call, ContainerRef ref) throws ToolException, Refusal {
        return engine.get("/containers/" + ref.value() + "/json", Map.of(), call.cancel(), (status, body) -> {
            EngineStatus.require2xx(status, body, describe(ref));
            return EngineBodies.readJson(body, MAX_JSON_BYTES);
        });
    }

    private ToolResult logs(ToolInvocation call) throws ToolException, Refusal {
        ContainerRef ref = container(call);
        int tail = integer(call, "tail", 1, MAX_TAIL, DEFAULT_TAIL);
        boolean timestamps = bool(call, "timestamps", false);
        // A TTY container's log is one raw stream; any other is multiplexed in frames.
        JsonNode container = rawInspect(call, ref);
        boolean tty = container.path("Config").path("Tty").asBoolean(false);
        Map<String, String> query = Map.of("stdout", "1", "stderr", "1", "tail", Integer.toString(tail),
                "timestamps", timestamps ? "1" : "0");
        LogStream.Tail log = engine.get("/containers/" + id(container, ref) + "/logs", query, call.cancel(),
                (status, body) -> {
                    EngineStatus.require2xx(status, body, describe(ref));
                    return LogStream.read(body, !tty, LOG_KEEP_BYTES, LOG_READ_LIMIT);
                });
        String text = log.text();
        if (log.truncated()) {
            text = "[log cut: the last " + text.length() + " characters of " + (log.readLimitReached() ? "more than " : "")
                    + log.bytes() + " bytes]\n" + text;
        }
        return ToolResult.text(text);
    }

    private ToolResult stats(ToolInvocation call) throws ToolException, Refusal {
        ContainerRef ref = container(call);
        JsonNode stats = engine.get("/containers/" + ref.value() + "/stats", Map.of("stream", "false"), call.cancel(),
                (status, body) -> {
                    EngineStatus.require2xx(status, body, describe(ref));
                    return EngineBodies.readJson(body, MAX_JSON_BYTES);
                });
        // Podman answers an empty body for a container that is not running, Docker a sample that was never read.
        if (!stats.isObject() || stats.isEmpty() || stats.path("read").asText().startsWith("0001-01-01")) {
            throw new Refusal(describe(ref) + " is not running: no stats");
        }
        return json(ContainerViews.stats(stats));
    }

    private ToolResult control(ToolInvocation call) throws ToolException, Refusal {
        String action = call.tool();
        if (!grants.allowed(call.user().userId())) {
            throw new Refusal("docker__" + action + " is not enabled for you: an admin must allow it"
                    + " (bastion mcp docker allow-control " + call.user().name() + ")");
        }
        ContainerRef ref = container(call);
        Map<String, String> query = new LinkedHashMap<>();
        int wait = 0;
        if (!action.equals(START)) {
            wait = integer(call, "timeout", 0, MAX_STOP_SECONDS, DEFAULT_STOP_SECONDS);
            query.put("t", Integer.toString(wait));
        }
        boolean changed = engine.post("/containers/" + ref.value() + "/" + action, query, Duration.ofSeconds(wait),
                call.cancel(), (status, body) -> {
                    if (status == 304) return false; // already in the wanted state
                    EngineStatus.require2xx(status, body, describe(ref));
                    return true;
                });
        JsonNode state = inspect(call, ref).path("state");
        String verb = switch (action) {
            case START -> changed ? "started" : "was already running:";
            case STOP -> changed ? "stopped" : "was already stopped:";
            default -> "restarted";
        };
        return ToolResult.text(verb + " " + ref.value() + " (state: " + state.path("status").asText() + ")");
    }

    private static String id(JsonNode container, ContainerRef fallback) {
        return ContainerRef.parse(container.path("Id").asText()).orElse(fallback).value();
    }

    private static ContainerRef container(ToolInvocation call) throws Refusal {
        JsonNode value = call.arguments().get("container");
        if (value == null || !value.isTextual()) throw new Refusal("'container' (a container name or id) is required");
        return ContainerRef.parse(value.asText()).orElseThrow(() -> new Refusal(
                "'container' must be a container name or id: letters, digits, '_', '.', '-', starting with a letter or digit"));
    }

    private static String describe(ContainerRef ref) {
        return "container '" + ref.value() + "'";
    }

    private static boolean bool(ToolInvocation call, String name, boolean fallback) throws Refusal {
        JsonNode value = call.arguments().get(name);
        if (value == null || value.isNull()) return fallback;
        if (!value.isBoolean()) throw new Refusal("'" + name + "' must be true or false");
        return value.booleanValue();
    }

    private static int integer(ToolInvocation call, String name, int min, int max, int fallback) throws Refusal {
        JsonNode value = call.arguments().get(name);
        if (value == null || value.isNull()) return fallback;
        if (!value.canConvertToExactIntegral() || value.asLong() < min || value.asLong() > max) {
            throw new Refusal("'" + name + "' must be an integer from " + min + " to " + max);
        }
        return value.asInt();
    }

    /** Structured content, and the same JSON as text for clients that read only text. */
    private static ToolResult json(JsonNode view) {
        return new ToolResult(ToolResult.text(view.toPrettyString()).content(), view, false);
    }

    @Override
    public void close() {
        engine.close();
    }
}
