package dev.bastion.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.Access;
import dev.bastion.api.Caller;
import dev.bastion.api.ModelAccessPolicy;
import dev.bastion.api.ServerConfig;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/pull} and {@code POST /api/push} with Ollama's request ({@code model}, {@code insecure},
 * {@code stream}) and progress lines ({@code status}, {@code digest}, {@code total}, {@code completed}); with
 * {@code stream: false} one answer at the end. The model's name is {@code HOST[:PORT]/NS/MODEL[:TAG]}; it is stored
 * locally as {@code NS/MODEL:TAG}, so the caller must be allowed to write that namespace. The server's own registry
 * credentials come from its environment ({@link RegistryCredentials}).
 */
final class PullPushRoutes {

    private static final long MAX_REQUEST_BYTES = 64 << 10;

    private final ModelStore store;
    private final ModelAccessPolicy access;
    private final ServerConfig.ModelAudit audit;
    private final RegistryLimits limits;
    private final Map<String, String> env;
    private final SignatureGuard signatures;

    PullPushRoutes(ModelStore store, ModelAccessPolicy access, ServerConfig.ModelAudit audit, RegistryLimits limits,
                   Map<String, String> env, SignatureGuard signatures) {
        this.signatures = signatures;
        this.store = store;
        this.access = access;
        this.audit = audit;
        this.limits = limits;
        this.env = env;
    }

    void register(RoutesConfig routes) {
        routes.post("/api/pull", ctx -> transfer(ctx, true), Access.MODELS_MANAGE);
        routes.post("/api/push", ctx -> transfer(ctx, false), Access.MODELS_MANAGE);
    }

    private interface Step {
        void run(RegistryClient client, Reference ref, Progress progress) throws IOException;
    }

    private void transfer(Context ctx, boolean pull) throws IOException {
        Caller caller = RegistryModule.caller(ctx);
        JsonNode request;
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) throw new IOException("too large");
            request = OciManifest.JSON.readTree(body);
        } catch (IOException e) {
            answerError(ctx, 400, "invalid request body");
            return;
        }
        String model = request == null ? null : request.path("model").asText(request.path("name").asText(null));
        boolean insecure = request != null && request.path("insecure").asBoolean(false);
        boolean stream = request == null || request.path("stream").asBoolean(true);
        Reference ref;
        try {
            ref = Reference.parse(model);
        } catch (IllegalArgumentException e) {
            answerError(ctx, 400, e.getMessage());
            return;
        }
        String action = pull ? "model.pull" : "model.push";
        String owner = RegistryModule.namespaceOwner(ref.name().namespace());
        if (pull ? !access.mayModify(caller, owner) : !visible(caller, ref)) {
            audit.record(ctx, action, ref.toString(), "denied", Map.of());
            if (pull) answerError(ctx, 403, "you may not write models into namespace '" + ref.name().namespace() + "'");
            else answerError(ctx, 404, "model '" + ref.name() + "' not found");
            return;
        }
        RegistryClient client;
        try {
            client = new RegistryClient(limits, RegistryCredentials.fromEnvironment(env), insecure);
        } catch (IOException | IllegalArgumentException e) {
            answerError(ctx, 500, "the server's registry credentials cannot be read");
            return;
        }
        // Progress lines are held until the signature check has passed, so a refusal can still be a 403.
        List<ObjectNode> held = new ArrayList<>();
        OutputStream[] out = {null};
        Runnable startStream = () -> {
            if (out[0] != null) return;
            ctx.status(200).contentType("application/x-ndjson");
            try {
                out[0] = ctx.res().getOutputStream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            held.forEach(l -> line(out[0], l));
            held.clear();
        };
        RegistryClient.SignatureCheck check = signatures == null ? RegistryClient.SignatureCheck.NONE
                : (manifest, digest, signature) -> {
                    signatures.check("pull", ref.name().toString(), digest, signature, caller.principal(), caller.requestId());
                    if (stream) startStream.run();
                };
        Step step = pull
                ? (c, r, p) -> c.pull(r, store, r.name(), owner, p, check)
                : (c, r, p) -> c.push(r, store, r.name(), p);
        if (!stream) {
            try {
                step.run(client, ref, Progress.NONE);
            } catch (RegistryException e) {
                audit.record(ctx, action, ref.toString(), "failure", Map.of("reason", e.getMessage()));
                answerError(ctx, e.status() >= 400 && e.status() < 600 ? e.status() : 500, e.getMessage());
                return;
            }
            audit.record(ctx, action, ref.toString(), "success", Map.of());
            ctx.status(200).contentType("application/json").result("{\"status\":\"success\"}");
            return;
        }
        if (!pull || signatures == null) startStream.run();
        Progress progress = (status, digest, total, completed) -> {
            ObjectNode l = progressLine(status, digest, total, completed);
            if (out[0] == null) held.add(l);
            else line(out[0], l);
        };
        try {
            step.run(client, ref, progress);
        } catch (IOException e) {
            audit.record(ctx, action, ref.toString(), "failure", Map.of("reason", e.getMessage() == null ? "" : e.getMessage()));
            if (out[0] == null && e instanceof SignatureGuard.RefusedException) {
                answerError(ctx, 403, e.getMessage());
                return;
            }
            startStream.run();
            ObjectNode error = OciManifest.JSON.createObjectNode().put("error", e instanceof RegistryException ? e.getMessage() : "the transfer failed");
            line(out[0], error);
            return;
        }
        startStream.run();
        audit.record(ctx, action, ref.toString(), "success", Map.of());
        line(out[0], progressLine("success", null, 0, 0));
    }

    private boolean visible(Caller caller, Reference ref) throws IOException {
        Optional<Manifest> m = store.manifest(ref.name());
        return m.isPresent() && access.maySee(caller, m.get().owner());
    }

    private static ObjectNode progressLine(String status, String digest, long total, long completed) {
        ObjectNode node = OciManifest.JSON.createObjectNode().put("status", status);
        if (digest != null) {
            node.put("digest", digest).put("total", total);
            if (completed > 0) node.put("completed", completed);
        }
        return node;
    }

    private static void line(OutputStream out, ObjectNode node) {
        try {
            out.write((node.toString() + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // the client went away: stop the transfer
        }
    }

    private static void answerError(Context ctx, int status, String message) {
        ctx.status(status).contentType("application/json").result(OciManifest.JSON.createObjectNode().put("error", message).toString());
    }
}
