package dev.bastion.cluster;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which node should serve a model: one that has it loaded, else one that holds it, the least loaded (shortest queue)
 * among equals; never a draining node, and not this node while it is busy if another can take the request. This node
 * keeps a request it can serve with the model already loaded and a short queue (no hop is cheaper than one).
 */
public final class Placement {

    private final int busyQueue;

    /** @param busyQueue above this queue length a node is busy */
    public Placement(int busyQueue) {
        this.busyQueue = busyQueue;
    }

    /**
     * @param self     this node's name
     * @param models   the stored names the request's model may resolve to, in resolution order (the caller's namespace
     *                 first, then the shared library); the first that any node holds is the one placed
     * @param nodes    the live nodes' states, this node's among them
     * @param excluded nodes this node could not reach lately
     * @return the node to serve the request, or empty when no node holds the model (this node answers, e.g. 404)
     */
    public Optional<NodeState> choose(String self, List<String> models, Collection<NodeState> nodes, Set<String> excluded) {
        List<NodeState> live = nodes.stream().filter(n -> !excluded.contains(n.name()) || n.name().equals(self)).toList();
        for (String model : models) {
            List<NodeState> holders = live.stream().filter(n -> n.holds(model)).toList();
            if (holders.isEmpty()) continue;
            Optional<NodeState> local = holders.stream().filter(n -> n.name().equals(self)).findFirst();
            if (local.isPresent() && !local.get().draining() && local.get().hasLoaded(model)
                    && local.get().queue() <= busyQueue) {
                return local;
            }
            List<NodeState> open = holders.stream().filter(n -> !n.draining())
                    .filter(n -> !n.name().equals(self) || n.queue() <= busyQueue).toList();
            if (open.isEmpty()) {
                // only draining holders, or this node busy with no one else: this node serves if it can, and a
                // model only draining nodes hold is not routed at all (they take no new requests)
                return local;
            }
            return open.stream().min(Comparator
                    .comparingInt((NodeState n) -> n.hasLoaded(model) ? 0 : 1)
                    .thenComparingInt(NodeState::queue)
                    .thenComparing((NodeState n) -> n.name().equals(self) ? 0 : 1)
                    .thenComparing(NodeState::name));
        }
        return Optional.empty();
    }
}
