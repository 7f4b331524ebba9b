package dev.bastion.api;

import dev.bastion.api.tools.ToolGateway;
import dev.bastion.security.Authenticator;
import io.javalin.config.JavalinConfig;

import java.util.List;
import java.util.Optional;

/**
 * How an HTTP-facing part (the key admin routes, a web app, MCP, clustering) plugs into the server. Given to
 * {@link ServerConfig#withModule}; registered after the security layer and before the model APIs, in order.
 */
@FunctionalInterface
public interface ServerModule {

    /**
     * Adds the module's routes, each declaring its {@link Access} where it is registered
     * ({@code config.routes.post("/mcp", this::call, Access.scope(MCP_USE))}; one without needs admin), and any
     * filters or exception handlers it needs.
     */
    void register(JavalinConfig config);

    /** Called once before {@link #register}, with what the server offers modules (the chat path). */
    default void bind(ServerServices services) {
    }

    /** Ways this module's clients prove who they are (e.g. a session cookie), tried after the API keys, in order. */
    default List<Authenticator> authenticators() {
        return List.of();
    }

    /** Tools this module lets the chat path run on the server's side (the MCP gateway offers its own). */
    default Optional<ToolGateway> toolGateway() {
        return Optional.empty();
    }

    /** A say over which models may be loaded, and what {@code /api/show} adds about them (see {@link ModelGate}). */
    default Optional<ModelGate> modelGate() {
        return Optional.empty();
    }

    /** Sees every generation after the server's own listener has (e.g. to measure load); must not refuse or throw. */
    default GenerationListener generationObserver() {
        return GenerationListener.NONE;
    }

    /** Called when the server has started listening. */
    default void start() {
    }

    /** Called when the server stops, after it has stopped listening. */
    default void stop() {
    }
}
