package dev.bastion.mcp;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** The sources the gateway serves, by namespace; upstreams come and go while the server runs. */
public final class ToolSources implements AutoCloseable {

    private final Map<String, ToolSource> byNamespace = new ConcurrentSkipListMap<>();

    /** Adds a source; refuses a namespace that is malformed or already taken (an upstream cannot shadow a built-in). */
    public void register(ToolSource source) {
        String namespace = source.namespace();
        if (!ToolNames.NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("not a valid tool namespace: " + namespace);
        }
        if (byNamespace.putIfAbsent(namespace, source) != null) {
            throw new IllegalArgumentException("tool namespace already in use: " + namespace);
        }
    }

    /** Removes and closes the source, if present. */
    public void unregister(String namespace) {
        ToolSource removed = byNamespace.remove(namespace);
        if (removed != null) removed.close();
    }

    public Optional<ToolSource> find(String namespace) {
        return Optional.ofNullable(byNamespace.get(namespace));
    }

    /** In namespace order. */
    public List<ToolSource> all() {
        return List.copyOf(byNamespace.values());
    }

    @Override
    public void close() {
        for (String namespace : List.copyOf(byNamespace.keySet())) unregister(namespace);
    }
}
