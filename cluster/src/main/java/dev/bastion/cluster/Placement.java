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
 * <p>
 * {@link #decide} may also ask a node that holds no copy to pull one from a holder: when every holder is draining (the
 * model would otherwise be unroutable) or busy, and a node that is neither has the memory for it.
 */
public final class Placement {

    private final int busyQueue;

    /** @param busyQueue above this queue length a node is busy */
    public Placement(int busyQueue) {
        this.busyQueue = busyQueue;
    }

    /** What placement asks for. */
    public sealed interface Decision permits Serve, Pull {
    }

    /** Serve on {@code node}; empty: this node answers (e.g. a 404 when no node holds the model). */
    public record Serve(Optional<NodeState> node) implements Decision {
    }

    /**
     * {@code puller} should copy {@code model} from {@code holder}.
     *
     * @param meanwhile who serves this request while the copy runs (a busy holder); empty when no holder takes new
     *                  requests (all draining): the request waits for the copy, bounded, then goes to the puller
     */
    public record Pull(String model, NodeState puller, NodeState holder, Optional<NodeState> meanwhile)
            implements Decision {
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
        List<NodeState> live = live(self, nodes, excluded);
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

    /**
     * As {@link #choose}, or a pull: when every holder of the model is draining, or every one taking requests is busy
     * (queue above the threshold), a live node that neither holds it nor is draining or busy, with free memory for the
     * model, copies it. The puller is the least loaded such node, then the first by name, so every node that places
     * the model asks the same one; a node already pulling it is asked again rather than a second one. A draining
     * holder that a client called itself keeps serving it, as in {@link #choose}.
     */
    public Decision decide(String self, List<String> models, Collection<NodeState> nodes, Set<String> excluded) {
        List<NodeState> live = live(self, nodes, excluded);
        for (String model : models) {
            List<NodeState> holders = live.stream().filter(n -> n.holds(model)).toList();
            if (holders.isEmpty()) continue;
            Optional<NodeState> chosen = choose(self, List.of(model), nodes, excluded);
            List<NodeState> open = holders.stream().filter(n -> !n.draining()).toList();
            boolean allDraining = open.isEmpty();
            boolean allBusy = !allDraining && open.stream().allMatch(n -> n.queue() > busyQueue);
            if (!allDraining && !allBusy) return new Serve(chosen);
            if (allDraining && chosen.isPresent()) return new Serve(chosen); // this node holds it: it serves its client
            Optional<NodeState> already = live.stream()
                    .filter(n -> n.pulling().contains(model) && !n.draining() && !n.holds(model))
                    .min(Comparator.comparing(NodeState::name));
            if (allBusy && already.isPresent()) return new Serve(chosen); // the copy is under way; a holder serves
            long size = holders.stream().mapToLong(n -> n.sizeOf(model)).max().orElse(0);
            Optional<NodeState> puller = already.or(() -> live.stream()
                    .filter(n -> !n.holds(model) && !n.draining() && n.queue() <= busyQueue)
                    .filter(n -> n.freeMemoryBytes() >= size)
                    .min(Comparator.comparingInt(NodeState::queue).thenComparing(NodeState::name)));
            if (puller.isEmpty()) return new Serve(chosen);
            // the source: any holder, draining ones too (a drained node still serves registry reads: that is how a
            // node is retired); the one with the least work first
            NodeState holder = holders.stream().min(Comparator.comparingInt(NodeState::queue)
                    .thenComparing(NodeState::name)).orElseThrow();
            return new Pull(model, puller.get(), holder, allBusy ? chosen : Optional.empty());
        }
        return new Serve(Optional.empty());
    }

    private static List<NodeState> live(String self, Collection<NodeState> nodes, Set<String> excluded) {
        return nodes.stream().filter(n -> !excluded.contains(n.name()) || n.name().equals(self)).toList();
    }
}
