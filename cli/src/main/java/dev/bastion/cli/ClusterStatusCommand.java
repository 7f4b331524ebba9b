package dev.bastion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code bastion cluster status}: the nodes a running node sees, their models and load. */
@Command(name = "status", description = "Nodes, their models and load, as a running node sees the cluster.",
        mixinStandardHelpOptions = true)
final class ClusterStatusCommand implements Callable<Integer> {

    private static final String FORMAT = "%-16s %-28s %5s %7s %9s %-8s %-30s %s%n";

    @Spec
    CommandSpec spec;

    @Mixin
    NodeApiOptions api;

    final Map<String, String> env;

    ClusterStatusCommand() {
        this(System.getenv());
    }

    ClusterStatusCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        try {
            JsonNode status = new ObjectMapper().readTree(api.call(env, "GET", "/api/cluster/status", null));
            var out = spec.commandLine().getOut();
            out.printf(FORMAT, "NODE", "URL", "QUEUE", "TOK/S", "FREE MEM", "STATE", "LOADED", "HELD");
            for (JsonNode node : status.path("nodes")) {
                String name = node.path("name").asText() + (node.path("name").asText().equals(status.path("self").asText()) ? " *" : "");
                out.printf(FORMAT, name, node.path("url").asText(), node.path("queue").asInt(),
                        String.format(java.util.Locale.ROOT, "%.1f", node.path("tokens_per_second").asDouble()),
                        (node.path("free_memory_bytes").asLong() >> 20) + " MiB",
                        node.path("draining").asBoolean() ? "draining" : "serving", list(node.path("loaded")), list(node.path("held")));
            }
            return 0;
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
    }

    private static String list(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names.isEmpty() ? "-" : String.join(",", names);
    }
}
