package dev.bastion.api;

import dev.bastion.api.ops.Readiness;
import dev.bastion.api.ops.ServerMetrics;

/**
 * What the server offers its modules ({@link ServerModule#bind}): the chat path; what this server holds and has
 * loaded (for a module that places requests across servers); the readiness registry (add a check for what the module
 * needs to serve, or drain the node); and the metrics registry (the module's own meters).
 */
public record ServerServices(Chats chats, LocalModels models, Readiness readiness, ServerMetrics metrics) {
}
