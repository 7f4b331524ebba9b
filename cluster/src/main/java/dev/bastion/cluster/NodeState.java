package dev.bastion.cluster;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;
import java.util.Map;
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
 * @param sizes       bytes of each held model (a puller needs that much free memory); absent from older nodes
 * @param pulling     models this node is copying from a peer right now: placement waits for that copy rather than
 *                    asking another node to start one
 */
public record NodeState(String name, String member, String url, List<String> held, List<String> loaded,
                        long freeMemoryBytes, int queue, double tokensPerSecond, boolean draining, long publishedAt,
                        Map<String, Long> sizes, List<String> pulling) {

    @JsonCreator
    public NodeState {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        held = List.copyOf(held);
        loaded = List.copyOf(loaded);
        sizes = sizes == null ? Map.of() : Map.copyOf(sizes);
        pulling = pulling == null ? List.of() : List.copyOf(pulling);
    }

    /** A state without model sizes or pulls in progress (as nodes published it before replication). */
    public NodeState(String name, String member, String url, List<String> held, List<String> loaded,
                     long freeMemoryBytes, int queue, double tokensPerSecond, boolean draining, long publishedAt) {
        this(name, member, url, held, loaded, freeMemoryBytes, queue, tokensPerSecond, draining, publishedAt, Map.of(),
                List.of());
    }

    public boolean holds(String model) {
        return held.contains(model) || loaded.contains(model);
    }

    public boolean hasLoaded(String model) {
        return loaded.contains(model);
    }

    /** Bytes of {@code model} in this node's store; 0 if it does not say. */
    public long sizeOf(String model) {
        return sizes.getOrDefault(model, 0L);
    }

    NodeState draining(boolean flag) {
        return new NodeState(name, member, url, held, loaded, freeMemoryBytes, queue, tokensPerSecond, flag, publishedAt,
                sizes, pulling);
    }
}
