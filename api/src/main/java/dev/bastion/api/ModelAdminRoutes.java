package dev.bastion.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The admin console's model routes: every namespace's models with their owner ({@code GET /api/admin/models}), and
 * importing a model directory that lies under the admin-configured import root ({@code POST /api/admin/models/import}).
 * Deleting and unloading use Ollama's own routes ({@code DELETE /api/delete}, generate with {@code keep_alive: 0}).
 */
final class ModelAdminRoutes {

    /** The variable {@code bastion serve} reads the import root from. */
    static final String IMPORT_ROOT_ENV = "BASTION_IMPORT_ROOT";
    private static final int MAX_PATH_CHARS = 4096;

    record ModelView(String name, String owner, long size, String digest, @JsonProperty("modified_at") String modifiedAt,
                     Map<String, Object> details) {
    }

    record ImportRequest(String path, String name) {
    }

    record Imported(String name) {
    }

    private final ModelCatalog catalog;
    private final ModelScheduler scheduler;
    private final ServerConfig config;

    ModelAdminRoutes(ModelCatalog catalog, ModelScheduler scheduler, ServerConfig config) {
        this.catalog = catalog;
        this.scheduler = scheduler;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/admin/models", this::list, Access.ADMIN);
        routes.post("/api/admin/models/import", this::importDirectory, Access.ADMIN);
    }

    private void list(Context ctx) {
        List<ModelView> models = catalog.list().stream().map(m -> new ModelView(m.name(), m.owner(), m.size(),
                m.digest(), m.modifiedAt().toString(), m.details())).toList();
        HttpIo.json(ctx, 200, Map.of("models", models));
    }

    private void importDirectory(Context ctx) {
        JsonNode body = HttpIo.jsonBody(ctx, config.maxBodyBytes(), JsonNode.class);
        if (body == null || !body.isObject()) throw ApiException.badRequest("request body must be a JSON object", null);
        String name = text(body, "name");
        String path = text(body, "path");
        Path dir = underImportRoot(path);
        VisibleCatalog visible = new VisibleCatalog(catalog, Caller.of(ctx), config.modelAccess());
        Map<String, String> details = Map.of("path", path);
        String stored;
        try {
            ModelGate.of(config.modules()).beforeImport(name);
            stored = visible.importDirectory(name, dir);
            scheduler.unloadIfIdle(stored); // a resident model of that name must not keep serving the old weights
        } catch (RuntimeException e) {
            boolean refused = e instanceof ApiException api && (api.status() == 403 || api.status() == 404);
            config.modelAudit().record(ctx, "model.import", name, refused ? "denied" : "failure", details);
            throw e;
        }
        config.modelAudit().record(ctx, "model.import", stored, "success", details);
        HttpIo.json(ctx, 201, new Imported(stored));
    }

    /**
     * The real directory {@code path} names under the import root: relative to the root (or absolute inside it), no
     * {@code ..} anywhere, and after resolving symbolic links still inside the root. Every refusal is the same 400
     * without the server's paths.
     */
    Path underImportRoot(String path) {
        Path root = config.importRoot();
        if (root == null) {
            throw new ApiException(409, "importing from the server is off: set " + IMPORT_ROOT_ENV + " to the directory"
                    + " admins may import from", "path");
        }
        ApiException outside = ApiException.badRequest("'path' must name a model directory under the import root", "path");
        if (path.length() > MAX_PATH_CHARS || path.chars().anyMatch(c -> c == 0 || Character.isISOControl(c))) throw outside;
        try {
            Path realRoot = root.toRealPath();
            Path given = Path.of(path);
            for (Path part : given) {
                if (part.toString().equals("..")) throw outside;
            }
            Path candidate = given.isAbsolute() ? given.normalize() : realRoot.resolve(given).normalize();
            if (!candidate.startsWith(realRoot) && !candidate.startsWith(root.toAbsolutePath().normalize())) throw outside;
            Path real = candidate.toRealPath(); // follows links: where the directory really is
            if (!real.startsWith(realRoot) || !Files.isDirectory(real)) throw outside;
            return real;
        } catch (InvalidPathException | IOException e) {
            throw outside;
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw ApiException.required(field);
        return v.asText();
    }
}
