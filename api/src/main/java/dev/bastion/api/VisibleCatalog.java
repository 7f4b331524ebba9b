package dev.bastion.api;

import dev.bastion.api.ModelCatalog.CreateRequest;
import dev.bastion.api.ModelCatalog.ModelDetails;
import dev.bastion.api.ModelCatalog.ModelSummary;
import dev.bastion.store.InvalidModelNameException;
import dev.bastion.store.ModelName;

import java.util.List;

/**
 * The catalog as the caller of one request sees it ({@link ModelAccessPolicy#owner} names the caller's namespace). Each user
 * has a namespace named after them: an unqualified name they write lands there ({@code mine} → {@code alice/mine}),
 * one they read resolves there first, then in the shared {@code library}; so names never collide across users.
 * <p>
 * Nothing answers differently for another user's model than for an unknown one: a model the caller may not see
 * ({@link ModelAccessPolicy#maySee}) is a 404 with the unknown model's message, and writing into a namespace
 * that is not the caller's is a 403 decided before the store is read. The caller with no user (the operator) and admins
 * write any namespace ({@link ModelAccessPolicy#mayModify} of the namespace's user, null for {@code library}).
 */
final class VisibleCatalog {

    private final ModelCatalog all;
    private final Caller who;
    private final ModelAccessPolicy policy;
    /** The caller's user name, null for the operator. */
    private final String caller;
    /** The caller's namespace, null if the caller is the operator or has a user name that cannot be one. */
    private final String namespace;

    VisibleCatalog(ModelCatalog all, Caller who, ModelAccessPolicy policy) {
        this.all = all;
        this.who = who;
        this.policy = policy;
        this.caller = policy.owner(who);
        this.namespace = ModelName.isUserNamespace(caller) ? caller : null;
    }

    boolean visible(ModelSummary model) {
        return policy.maySee(who, model.owner());
    }

    List<ModelSummary> list() {
        return all.list().stream().filter(this::visible).toList();
    }

    /** @throws ApiException 400 for a malformed name, 404 (the same for any model the caller may not see) */
    ModelDetails show(String name) {
        String own = inOwnNamespace(name);
        if (own != null) {
            try {
                ModelDetails details = all.show(own);
                if (visible(details.summary())) return withVisibleParent(details);
            } catch (ApiException e) {
                if (e.status() != 404) throw e;
            }
        }
        ModelDetails details = all.show(name);
        // The catalog's own 404 for an unknown model reads "model '<stored name>' not found"; this one is identical.
        if (!visible(details.summary())) throw ApiException.modelNotFound(details.summary().name());
        return withVisibleParent(details);
    }

    /** {@code details.parent_model} names a model only if the caller may see it (else ""), so it reveals no one's model. */
    private ModelDetails withVisibleParent(ModelDetails details) {
        Object parent = details.summary().details().get("parent_model");
        if (!(parent instanceof String p) || p.isEmpty()) return details;
        try {
            if (visible(all.show(p).summary())) return details;
        } catch (ApiException e) {
            if (e.status() != 404 && e.status() != 400) throw e;
        }
        java.util.Map<String, Object> hidden = new java.util.LinkedHashMap<>(details.summary().details());
        hidden.put("parent_model", "");
        ModelSummary s = details.summary();
        return new ModelDetails(new ModelSummary(s.name(), s.digest(), s.size(), s.modifiedAt(), s.owner(), hidden,
                s.capabilities(), s.contextLength()), details.modelfile(), details.template(), details.system(),
                details.parameters(), details.license(), details.modelInfo());
    }

    /** Deletes the model {@code name} resolves to, if the caller may change it; returns its stored name. */
    String delete(String name) {
        ModelSummary model = show(name).summary();
        boolean mayModify = policy.mayModify(who, model.owner())
                || ModelName.parse(model.name()).namespace().equals(namespace);
        if (!mayModify) throw new ApiException(403, "model '" + model.name() + "' belongs to another user", "model");
        all.delete(model.name(), caller);
        return model.name();
    }

    /** Copies {@code source} to {@code destination} (replacing it); returns the stored name of the copy. */
    String copy(String source, String destination) {
        String target = writable(destination, "destination");
        all.copy(show(source).summary().name(), target, ownerOf(target));
        return all.show(target).summary().name();
    }

    /** Creates {@code request.model()} from {@code request.from()} (replacing it); returns the stored name. */
    String create(CreateRequest request) {
        return create(request, progress -> {});
    }

    /** As {@link #create(CreateRequest)}, telling {@code progress} how far quantizing is. */
    String create(CreateRequest request, java.util.function.Consumer<dev.bastion.api.types.CreateProgress> progress) {
        String target = writable(request.model(), "model");
        String from;
        try {
            from = show(request.from()).summary().name();
        } catch (ApiException e) {
            if (e.status() == 400) throw ApiException.badRequest(e.getMessage(), "from");
            throw e;
        }
        all.create(new CreateRequest(target, from, request.system(), request.template(), request.parameters(),
                request.quantize(), request.encrypt()), ownerOf(target), progress);
        return all.show(target).summary().name();
    }

    /** Creates {@code name} from uploaded files into a namespace the caller may write; returns the stored name. */
    String createFromUploads(String name, java.util.Map<String, String> files) {
        return createFromUploads(name, files, false);
    }

    /** As {@link #createFromUploads(String, java.util.Map)}, storing the blobs encrypted when {@code encrypt}. */
    String createFromUploads(String name, java.util.Map<String, String> files, boolean encrypt) {
        String target = writable(name, "model");
        all.createFromUploads(target, files, ownerOf(target), encrypt);
        return all.show(target).summary().name();
    }

    /** Imports a server-side model directory as {@code name} into a namespace the caller may write; returns the stored name. */
    String importDirectory(String name, java.nio.file.Path dir) {
        String target = writable(name, "name");
        all.importDirectory(dir, target, ownerOf(target));
        return all.show(target).summary().name();
    }

    /** {@code name} in the caller's namespace, if it is unqualified, the caller has one, and the result is valid. */
    private String inOwnNamespace(String name) {
        if (name == null || namespace == null || ModelName.isQualified(name)) return null;
        String own = namespace + "/" + name;
        try {
            ModelName.parse(own);
            return own;
        } catch (InvalidModelNameException e) {
            return null;
        }
    }

    /** Where a write of {@code name} goes; 400 if malformed, else 403 unless the caller may write that namespace. */
    private String writable(String name, String field) {
        StoreCatalog.parse(name, field);
        String target = name;
        if (!ModelName.isQualified(name) && caller != null) {
            if (namespace == null) {
                throw new ApiException(403, "your user name '" + ApiException.quote(caller) + "' is not a model namespace"
                        + " (lower-case letters, digits, '.', '_', '-'), so you have no namespace to create models in", field);
            }
            target = namespace + "/" + name;
        }
        String targetNamespace = StoreCatalog.parse(target, field).namespace();
        if (!targetNamespace.equals(namespace) && !policy.mayModify(who, ownerOf(target))) {
            throw new ApiException(403, namespace == null ? "you may not create models in namespace '" + targetNamespace + "'"
                    : "you may only create models in your namespace '" + namespace + "'", field);
        }
        return target;
    }

    /** A model's owner follows its namespace: a user's namespace holds their models, {@code library} shared ones. */
    private static String ownerOf(String name) {
        String ns = ModelName.parse(name).namespace();
        return ns.equals(ModelName.DEFAULT_NAMESPACE) ? null : ns;
    }
}
