package dev.bastion.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A module's say over which stored models may be loaded, and what {@code /api/show} adds about them (a signature's
 * signer and verdict). How the registry's signature policy reaches model loading without {@code api} knowing the registry.
 */
public interface ModelGate {

    ModelGate NONE = model -> { };

    /**
     * Called before the scheduler loads {@code model} (a valid store name).
     *
     * @throws ApiException to refuse the load (e.g. 403 with the reason)
     */
    void beforeLoad(String model);

    /**
     * Called before a model is imported from files (uploads, or a server directory); a model derived from a stored one
     * is not asked here, its load is.
     *
     * @throws ApiException to refuse the import
     */
    default void beforeImport(String model) {
    }

    /** Fields {@code /api/show} adds for {@code model}, e.g. {@code signature}; empty for none. */
    default Map<String, Object> showFields(String model) {
        return Map.of();
    }

    /** Every module's gate in order: a load passes if each lets it; show fields are merged. */
    static ModelGate of(List<ServerModule> modules) {
        List<ModelGate> gates = modules.stream().map(ServerModule::modelGate).flatMap(Optional::stream).toList();
        if (gates.isEmpty()) return NONE;
        return new ModelGate() {
            @Override
            public void beforeLoad(String model) {
                gates.forEach(g -> g.beforeLoad(model));
            }

            @Override
            public void beforeImport(String model) {
                gates.forEach(g -> g.beforeImport(model));
            }

            @Override
            public Map<String, Object> showFields(String model) {
                Map<String, Object> out = new LinkedHashMap<>();
                gates.forEach(g -> out.putAll(g.showFields(model)));
                return out;
            }
        };
    }
}
