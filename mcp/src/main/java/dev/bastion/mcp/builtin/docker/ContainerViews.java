package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * The Engine's answers reduced to what a model or an operator needs. Left out on purpose: {@code Config.Env}
 * (where secrets usually live), host paths (mount sources, log and hosts files), and the engine's internals.
 */
final class ContainerViews {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ContainerViews() {
    }

    /** {@code GET /containers/json}: at most {@code max} containers, saying how many there were. */
    static ObjectNode list(JsonNode containers, int max) {
        ArrayNode items = NODES.arrayNode();
        for (JsonNode c : containers) {
            if (items.size() == max) break;
            ObjectNode item = items.addObject();
            item.put("id", shortId(c.path("Id").asText()));
            item.put("name", stripSlash(c.path("Names").path(0).asText("")));
            item.put("image", c.path("Image").asText());
            item.put("state", c.path("State").asText());
            item.put("status", c.path("Status").asText());
            if (c.path("Created").canConvertToLong()) {
                item.put("created", Instant.ofEpochSecond(c.path("Created").asLong()).toString());
            }
            item.set("labels", objectOrEmpty(c.path("Labels")));
        }
        ObjectNode view = NODES.objectNode();
        view.set("containers", items);
        view.put("total", containers.size());
        if (containers.size() > items.size()) view.put("truncated", true);
        return view;
    }

    /** {@code GET /containers/{id}/json}. */
    static ObjectNode inspect(JsonNode c) {
        ObjectNode view = NODES.objectNode();
        view.put("id", c.path("Id").asText());
        view.put("name", stripSlash(c.path("Name").asText()));
        view.put("created", c.path("Created").asText());
        JsonNode config = c.path("Config");
        view.put("image", config.path("Image").asText(c.path("Image").asText()));
        view.put("image_id", c.path("Image").asText());
        copy(config, "Entrypoint", view, "entrypoint");
        copy(config, "Cmd", view, "cmd");
        copy(config, "WorkingDir", view, "working_dir");
        copy(config, "User", view, "user");
        view.put("tty", config.path("Tty").asBoolean(false));
        view.set("labels", objectOrEmpty(config.path("Labels")));
        view.set("exposed_ports", keys(config.path("ExposedPorts")));

        JsonNode state = c.path("State");
        ObjectNode stateView = view.putObject("state");
        stateView.put("status", state.path("Status").asText());
        for (String field : new String[] {"Running", "Paused", "Restarting", "OOMKilled", "Dead"}) {
            stateView.put(snake(field), state.path(field).asBoolean(false));
        }
        stateView.put("exit_code", state.path("ExitCode").asInt());
        copy(state, "Error", stateView, "error");
        copy(state, "StartedAt", stateView, "started_at");
        copy(state, "FinishedAt", stateView, "finished_at");
        String health = state.path("Health").path("Status").asText("");
        if (!health.isEmpty()) stateView.put("health", health);
        view.put("restart_count", c.path("RestartCount").asInt());

        JsonNode host = c.path("HostConfig");
        copy(host.path("RestartPolicy"), "Name", view, "restart_policy");
        copy(host, "NetworkMode", view, "network_mode");
        view.put("privileged", host.path("Privileged").asBoolean(false));
        view.put("readonly_rootfs", host.path("ReadonlyRootfs").asBoolean(false));
        copy(host, "Memory", view, "memory_limit");
        copy(host, "NanoCpus", view, "nano_cpus");

        ArrayNode mounts = view.putArray("mounts");
        for (JsonNode m : c.path("Mounts")) {
            ObjectNode mount = mounts.addObject();
            copy(m, "Type", mount, "type");
            copy(m, "Name", mount, "name");
            copy(m, "Destination", mount, "destination");
            mount.put("rw", m.path("RW").asBoolean(false));
        }
        ObjectNode networks = view.putObject("networks");
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("NetworkSettings").path("Networks").properties().iterator();
             it.hasNext(); ) {
            Map.Entry<String, JsonNode> network = it.next();
            ObjectNode n = networks.putObject(network.getKey());
            copy(network.getValue(), "IPAddress", n, "ip_address");
            copy(network.getValue(), "Gateway", n, "gateway");
        }
        JsonNode ports = c.path("NetworkSettings").path("Ports");
        if (ports.isObject()) view.set("ports", ports.deepCopy());
        return view;
    }

    /** {@code GET /containers/{id}/stats?stream=false}, computed as {@code docker stats} shows it. */
    static ObjectNode stats(JsonNode s) {
        ObjectNode view = NODES.objectNode();
        view.put("name", stripSlash(s.path("name").asText()));
        view.put("id", s.path("id").asText(s.path("Id").asText()));
        copy(s, "read", view, "read");

        JsonNode cpu = s.path("cpu_stats");
        JsonNode precpu = s.path("precpu_stats");
        long total = cpu.path("cpu_usage").path("total_usage").asLong();
        int cpus = cpu.path("online_cpus").asInt(0);
        if (cpus == 0) cpus = Math.max(1, cpu.path("cpu_usage").path("percpu_usage").size());
        view.put("cpu_total_ns", total);
        view.put("online_cpus", cpus);
        long cpuDelta = total - precpu.path("cpu_usage").path("total_usage").asLong();
        long systemDelta = cpu.path("system_cpu_usage").asLong() - precpu.path("system_cpu_usage").asLong();
        // Only with a previous sample (Docker takes one for stream=false; Podman does not).
        if (precpu.path("system_cpu_usage").asLong() > 0 && cpuDelta >= 0 && systemDelta > 0) {
            view.put("cpu_percent", round2(100.0 * cpuDelta / systemDelta * cpus));
        }

        JsonNode memory = s.path("memory_stats");
        if (memory.has("usage")) {
            JsonNode detail = memory.path("stats");
            // As docker stats: the page cache the kernel can drop is not counted (cgroup v2 name, then v1's).
            long cache = detail.has("inactive_file") ? detail.path("inactive_file").asLong()
                    : detail.path("total_inactive_file").asLong();
            long usage = Math.max(0, memory.path("usage").asLong() - cache);
            long limit = memory.path("limit").asLong();
            view.put("memory_usage_bytes", usage);
            view.put("memory_limit_bytes", limit);
            if (limit > 0) view.put("memory_percent", round2(100.0 * usage / limit));
        }
        view.put("pids", s.path("pids_stats").path("current").asLong());

        long rx = 0;
        long tx = 0;
        for (JsonNode network : s.path("networks")) {
            rx += network.path("rx_bytes").asLong();
            tx += network.path("tx_bytes").asLong();
        }
        view.put("network_rx_bytes", rx);
        view.put("network_tx_bytes", tx);
        long blockRead = 0;
        long blockWrite = 0;
        for (JsonNode entry : s.path("blkio_stats").path("io_service_bytes_recursive")) {
            String op = entry.path("op").asText();
            if (op.equalsIgnoreCase("read")) blockRead += entry.path("value").asLong();
            if (op.equalsIgnoreCase("write")) blockWrite += entry.path("value").asLong();
        }
        view.put("block_read_bytes", blockRead);
        view.put("block_write_bytes", blockWrite);
        return view;
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String stripSlash(String name) {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    private static String snake(String field) {
        return switch (field) {
            case "OOMKilled" -> "oom_killed";
            default -> field.toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String name) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull() && !(value.isTextual() && value.asText().isEmpty())) {
            to.set(name, value.deepCopy());
        }
    }

    private static JsonNode objectOrEmpty(JsonNode node) {
        return node.isObject() ? node.deepCopy() : NODES.objectNode();
    }

    private static ArrayNode keys(JsonNode node) {
        ArrayNode keys = NODES.arrayNode();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
