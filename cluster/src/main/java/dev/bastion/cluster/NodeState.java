package dev.bastion.cluster;

import java.util.List;
import java.util.Objects;

/**
 * What one node tells the others about itself, sealed into the shared map ({@link SealedStates}).
 *
 * @param member      the Hazelcast member that published it (its entry goes when that member leaves)
 * @param url         where peers forward requests: this node's mutual-TLS node port
 * @param held        stored names of the models in its store
 * @param loaded      stored names of the models in its memory
 * @param queue       generations in flight or waiting on it
 * @param publishedAt epoch milliseconds; an entry older than the map's time-to-live is stale, whoever re-put it
 */
public record NodeState(String name, String member, String url, List<String> held, List<String> loaded,
                        long freeMemoryBytes, int queue, double tokensPerSecond, boolean draining, long publishedAt) {

    public NodeState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        held = List.copyOf(held);
        loaded = List.copyOf(loaded);
    }

    public boolean holds(String model) {
        return held.contains(model) || loaded.contains(model);
    }

    public boolean hasLoaded(String model) {
        return loaded.contains(model);
    }

    NodeState draining(boolean flag) {
        return new NodeState(name, member, url, held, loaded, freeMemoryBytes, queue, tokensPerSecond, flag, publishedAt);
    }
}
