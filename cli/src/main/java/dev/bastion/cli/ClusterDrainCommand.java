package dev.bastion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code bastion cluster drain NODE}: no new requests are routed to the node; those in flight finish. */
@Command(name = "drain", description = "Route no new requests to NODE (in-flight ones finish); --undo takes it back.",
        mixinStandardHelpOptions = true)
final class ClusterDrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    NodeApiOptions api;

    @Parameters(index = "0", paramLabel = "NODE", description = "The node's name, as bastion cluster status lists it.")
    String node;

    @Option(names = "--undo", description = "Put the node back into service.")
    boolean undo;

    final Map<String, String> env;

    ClusterDrainCommand() {
        this(System.getenv());
    }

    ClusterDrainCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        try {
            String body = new ObjectMapper().writeValueAsString(Map.of("node", node, "drain", !undo));
            api.call(env, "POST", "/api/cluster/drain", body);
            spec.commandLine().getOut().println(undo ? "Node '" + node + "' is back in service"
                    : "Node '" + node + "' is draining: no new requests are routed to it; requests in flight finish");
            return 0;
        } catch (IllegalArgumentException | IllegalStateException | com.fasterxml.jackson.core.JsonProcessingException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
    }
}
