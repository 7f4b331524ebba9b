package dev.bastion.mcp.upstream;

import dev.bastion.mcp.ToolSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The running upstreams: started from the registry when the server starts, registered into the gateway's
 * {@link ToolSources} under their names, added and removed live, all closed on stop. {@link #sync} also picks up
 * changes made with the CLI ({@code bastion mcp add|rm}) while the server runs.
 */
public final class Upstreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);

    private final UpstreamRegistry registry;
    private final ToolSources sources;
    private final UpstreamSource.Options options;
    private final Map<String, UpstreamSource> running = new ConcurrentSkipListMap<>();

    public Upstreams(UpstreamRegistry registry, ToolSources sources, UpstreamSource.Options options) {
        this.registry = registry;
        this.sources = sources;
        this.options = options;
    }

    /** The server's upstreams: the registry in the security database, options from the environment. */
    public static Upstreams open(dev.bastion.security.SecurityServices security, ToolSources sources, Map<String, String> env) {
        return new Upstreams(new UpstreamRegistry(security.database(), security.secrets()), sources,
                UpstreamSource.Options.fromEnvironment(env));
    }

    public UpstreamRegistry registry() {
        return registry;
    }

    /** Starts every enabled upstream in the registry (each connects in the background). */
    public synchronized void start() {
        sync();
    }

    /** Makes the running set match the registry: starts new enabled upstreams, stops removed or disabled ones. */
    public synchronized void sync() {
        List<UpstreamConfig> wanted;
        try {
            wanted = registry.list().stream().filter(UpstreamConfig::enabled).toList();
        } catch (IllegalStateException e) {
            LOG.warn("cannot read the upstream registry: {}", e.getMessage());
            return;
        }
        List<String> names = wanted.stream().map(UpstreamConfig::name).toList();
        for (String name : List.copyOf(running.keySet())) {
            if (!names.contains(name)) stop(name);
        }
        for (UpstreamConfig config : wanted) {
            UpstreamSource source = running.get(config.name());
            // Removed and added again under the same name (between two syncs): the new settings win.
            if (source != null && !source.config().equals(config)) stop(config.name());
            if (!running.containsKey(config.name())) launch(config);
        }
    }

    /** Registers and starts a new upstream. @throws IllegalArgumentException if its name is taken */
    public synchronized UpstreamSource.Status add(UpstreamConfig config) {
        if (sources.find(config.name()).isPresent()) {
            throw new IllegalArgumentException("tool namespace already in use: " + config.name());
        }
        registry.add(config);
        // As stored (times in milliseconds), so that sync sees the same settings.
        return launch(registry.find(config.name()).orElse(config)).status();
    }

    /** @return whether it existed */
    public synchronized boolean remove(String name) {
        boolean existed = registry.remove(name);
        return stop(name) || existed;
    }

    /** Every registered upstream with its live state ({@code stopped} when disabled or not running). */
    public List<UpstreamView> views() {
        List<UpstreamView> views = new ArrayList<>();
        for (UpstreamConfig config : registry.list()) {
            views.add(UpstreamView.of(config, Optional.ofNullable(running.get(config.name())).map(UpstreamSource::status)));
        }
        return views;
    }

    Optional<UpstreamSource> running(String name) {
        return Optional.ofNullable(running.get(name));
    }

    private UpstreamSource launch(UpstreamConfig config) {
        UpstreamSource source = new UpstreamSource(config, options);
        try {
            sources.register(source);
        } catch (IllegalArgumentException taken) {
            LOG.warn("upstream {} not started: {}", config.name(), taken.getMessage());
            return source;
        }
        running.put(config.name(), source);
        source.start();
        return source;
    }

    private boolean stop(String name) {
        UpstreamSource source = running.remove(name);
        if (source == null) return false;
        sources.unregister(name); // closes it
        source.close();
        return true;
    }

    @Override
    public synchronized void close() {
        for (String name : List.copyOf(running.keySet())) stop(name);
    }
}
