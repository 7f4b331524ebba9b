package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.mcp.ToolSpec;

import java.util.List;

/** The docker tools as MCP lists them: read-only ones for everybody, control ones for users granted control. */
final class DockerToolSpecs {

    static final String LIST = "list";
    static final String INSPECT = "inspect";
    static final String LOGS = "logs";
    static final String STATS = "stats";
    static final String START = "start";
    static final String STOP = "stop";
    static final String RESTART = "restart";
    static final List<String> CONTROL = List.of(START, STOP, RESTART);

    static final int MAX_TAIL = 1000;
    static final int DEFAULT_TAIL = 100;
    static final int MAX_STOP_SECONDS = 120;
    static final int DEFAULT_STOP_SECONDS = 10;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private DockerToolSpecs() {
    }

    static final List<ToolSpec> READ_ONLY = List.of(
            new ToolSpec(LIST, "List Docker containers: id, name, image, state, status, labels.",
                    schema(null, b -> {
                        b.putObject("all").put("type", "boolean").put("description", "include stopped containers (default false)");
                        b.putObject("label").put("type", "string")
                                .put("description", "only containers with this label: key or key=value");
                    }), annotations(true, false)),
            new ToolSpec(INSPECT, "Inspect one container: state, image, command, labels, ports, mounts, networks"
                    + " (environment variables are not shown).", schema("container", b -> { }), annotations(true, false)),
            new ToolSpec(LOGS, "The last lines of a container's log (stdout and stderr).", schema("container", b -> {
                b.putObject("tail").put("type", "integer").put("minimum", 1).put("maximum", MAX_TAIL)
                        .put("description", "lines from the end (default " + DEFAULT_TAIL + ")");
                b.putObject("timestamps").put("type", "boolean").put("description", "prefix each line with its time");
            }), annotations(true, false)),
            new ToolSpec(STATS, "One sample of a running container's resource use: CPU, memory, PIDs, network, block I/O.",
                    schema("container", b -> { }), annotations(true, false)));

    static final List<ToolSpec> CONTROLS = List.of(
            new ToolSpec(START, "Start a stopped container.", schema("container", b -> { }), annotations(false, false)),
            new ToolSpec(STOP, "Stop a running container (SIGTERM, then SIGKILL after the timeout).",
                    schema("container", DockerToolSpecs::stopTimeout), annotations(false, true)),
            new ToolSpec(RESTART, "Restart a container.", schema("container", DockerToolSpecs::stopTimeout),
                    annotations(false, true)));

    private static void stopTimeout(ObjectNode properties) {
        properties.putObject("timeout").put("type", "integer").put("minimum", 0).put("maximum", MAX_STOP_SECONDS)
                .put("description", "seconds to wait before killing (default " + DEFAULT_STOP_SECONDS + ")");
    }

    private static ObjectNode schema(String required, java.util.function.Consumer<ObjectNode> more) {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        if (required != null) {
            properties.putObject(required).put("type", "string").put("description", "container name or id");
            schema.putArray("required").add(required);
        }
        more.accept(properties);
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode annotations(boolean readOnly, boolean destructive) {
        ObjectNode annotations = NODES.objectNode().put("readOnlyHint", readOnly).put("openWorldHint", false);
        if (!readOnly) annotations.put("destructiveHint", destructive).put("idempotentHint", true);
        return annotations;
    }
}
