package dev.bastion.api;

import dev.bastion.engine.model.WeightFormat;
import io.javalin.http.Context;

import java.nio.file.Path;
import java.util.List;

/**
 * The catalog as the caller of one request sees it ({@link ServerConfig#visibilityPolicy()}): a model the caller may
 * not see answers exactly like an unknown one (same 404, same message), so its existence is not revealed.
 */
final class VisibleCatalog implements ModelCatalog {

    private final ModelCatalog all;
    private final Context ctx;
    private final ServerConfig config;

    VisibleCatalog(ModelCatalog all, Context ctx, ServerConfig config) {
        this.all = all;
        this.ctx = ctx;
        this.config = config;
    }

    boolean visible(ModelSummary model) {
        return config.visibilityPolicy().test(ctx, model.owner());
    }

    @Override
    public List<ModelSummary> list() {
        return all.list().stream().filter(this::visible).toList();
    }

    @Override
    public ModelDetails show(String name) {
        ModelDetails details = all.show(name);
        // The catalog's own 404 for an unknown model reads "model '<stored name>' not found"; this one is identical.
        if (!visible(details.summary())) throw ApiException.modelNotFound(details.summary().name());
        return details;
    }

    @Override
    public Path materialize(String name) {
        show(name);
        return all.materialize(name);
    }

    @Override
    public WeightFormat weightFormat(String name) {
        show(name);
        return all.weightFormat(name);
    }

    @Override
    public void copy(String source, String destination, String owner) {
        show(source);
        all.copy(source, destination, owner);
    }

    @Override
    public void delete(String name, String owner) {
        show(name);
        all.delete(name, owner);
    }

    @Override
    public void create(CreateRequest request, String owner) {
        if (request.from() != null) {
            try {
                show(request.from());
            } catch (ApiException e) {
                if (e.status() == 400) throw ApiException.badRequest(e.getMessage(), "from");
                throw e;
            }
        }
        all.create(request, owner);
    }
}
