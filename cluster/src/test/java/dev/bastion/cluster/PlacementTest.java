package dev.bastion.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PlacementTest {

    private static final String M = "tiny:latest";
    private final Placement placement = new Placement(4);

    private static NodeState node(String name, List<String> held, List<String> loaded, int queue, boolean draining) {
        return new NodeState(name, "m-" + name, "https://127.0.0.1/" + name, held, loaded, 1L << 30, queue, 0,
                draining, System.currentTimeMillis());
    }

    private Optional<String> choose(String self, List<NodeState> nodes) {
        return choose(self, List.of(M), nodes, Set.of());
    }

    private Optional<String> choose(String self, List<String> models, List<NodeState> nodes, Set<String> excluded) {
        return placement.choose(self, models, nodes, excluded).map(NodeState::name);
    }

    @Test
    void aNodeWithTheModelLoadedBeatsOneThatOnlyHoldsIt() {
        assertThat(choose("a", List.of(node("a", List.of(M), List.of(), 0, false),
                node("b", List.of(M), List.of(), 0, false), node("c", List.of(M), List.of(M), 3, false)))).contains("c");
    }

    @Test
    void thisNodeKeepsARequestItHasTheModelLoadedForUnlessBusy() {
        List<NodeState> idle = List.of(node("a", List.of(M), List.of(M), 2, false), node("b", List.of(M), List.of(M), 0, false));
        assertThat(choose("a", idle)).contains("a");
        List<NodeState> busy = List.of(node("a", List.of(M), List.of(M), 5, false), node("b", List.of(M), List.of(M), 7, false));
        assertThat(choose("a", busy)).as("busy here: the other loaded node, even with a longer queue").contains("b");
        assertThat(choose("a", List.of(node("a", List.of(M), List.of(M), 50, false), node("b", List.of(), List.of(), 0, false))))
                .as("busy but the only holder").contains("a");
    }

    @Test
    void amongEqualsTheShortestQueueWins() {
        assertThat(choose("a", List.of(node("a", List.of(), List.of(), 0, false),
                node("b", List.of(M), List.of(M), 3, false), node("c", List.of(M), List.of(M), 1, false),
                node("d", List.of(M), List.of(), 0, false)))).contains("c");
        assertThat(choose("a", List.of(node("a", List.of(), List.of(), 0, false),
                node("b", List.of(M), List.of(), 3, false), node("c", List.of(M), List.of(), 1, false)))).contains("c");
    }

    @Test
    void drainingAndUnreachableNodesGetNoNewRequests() {
        List<NodeState> nodes = List.of(node("a", List.of(), List.of(), 0, false),
                node("b", List.of(M), List.of(), 9, false), node("c", List.of(M), List.of(M), 0, true));
        assertThat(choose("a", nodes)).contains("b");
        assertThat(choose("a", List.of(M), nodes, Set.of("b"))).as("b unreachable, c draining").isEmpty();
        assertThat(choose("a", List.of(node("a", List.of(M), List.of(M), 0, true), node("b", List.of(M), List.of(), 0, false))))
                .as("a draining itself sends work away").contains("b");
        assertThat(choose("a", List.of(M), List.of(node("a", List.of(M), List.of(), 0, false)), Set.of("a")))
                .as("this node is never excluded from serving itself").contains("a");
    }

    @Test
    void theCallersNamespaceResolvesFirstAndUnknownModelsStayHere() {
        List<NodeState> nodes = List.of(node("a", List.of(), List.of(), 0, false),
                node("b", List.of("alice/tiny:latest"), List.of(), 5, false), node("c", List.of(M), List.of(M), 0, false));
        assertThat(choose("a", List.of("alice/tiny:latest", M), nodes, Set.of())).contains("b");
        assertThat(choose("a", List.of("bob/tiny:latest", M), nodes, Set.of())).contains("c");
        assertThat(choose("a", List.of("other:latest"), nodes, Set.of())).isEmpty();
    }

    // --- decide: when a node that holds no copy pulls one

    private static NodeState sized(String name, List<String> held, int queue, boolean draining, long free,
                                   List<String> pulling) {
        return new NodeState(name, "m-" + name, "https://127.0.0.1/" + name, held, List.of(), free, queue, 0, draining,
                System.currentTimeMillis(), held.contains(M) ? Map.of(M, 1000L) : Map.of(), pulling);
    }

    private static NodeState sized(String name, List<String> held, int queue, boolean draining, long free) {
        return sized(name, held, queue, draining, free, List.of());
    }

    private Placement.Decision decide(String self, List<NodeState> nodes, Set<String> excluded) {
        return placement.decide(self, List.of(M), nodes, excluded);
    }

    @Test
    void everyHolderDrainingAsksTheLeastLoadedNonHolderToPullAndTheRequestWaits() {
        List<NodeState> nodes = List.of(sized("a", List.of(), 2, false, 5000), sized("b", List.of(), 1, false, 5000),
                sized("c", List.of(M), 0, true, 5000));
        assertThat(decide("a", nodes, Set.of())).isEqualTo(new Placement.Pull(M, nodes.get(1), nodes.get(2), Optional.empty()));
        // asked from any node, the same puller: two nodes never both start a copy
        assertThat(decide("b", nodes, Set.of())).isEqualTo(decide("a", nodes, Set.of()));
        assertThat(decide("c", nodes, Set.of())).as("the drained holder serves its own client")
                .isEqualTo(new Placement.Serve(Optional.of(nodes.get(2))));
        List<NodeState> tied = List.of(sized("b", List.of(), 0, false, 5000), sized("a", List.of(), 0, false, 5000),
                sized("c", List.of(M), 0, true, 5000));
        assertThat(((Placement.Pull) decide("b", tied, Set.of())).puller().name()).as("equal load: the first by name").isEqualTo("a");
    }

    @Test
    void everyHolderBusyAsksANonHolderToPullWhileAHolderServes() {
        List<NodeState> nodes = List.of(sized("a", List.of(M), 6, false, 5000), sized("b", List.of(M), 5, false, 5000),
                sized("c", List.of(), 0, false, 5000));
        assertThat(decide("a", nodes, Set.of())).isEqualTo(new Placement.Pull(M, nodes.get(2), nodes.get(1), Optional.of(nodes.get(1))));
        List<NodeState> oneFree = List.of(sized("a", List.of(M), 6, false, 5000), sized("b", List.of(M), 4, false, 5000),
                sized("c", List.of(), 0, false, 5000));
        assertThat(decide("a", oneFree, Set.of())).as("a holder with room: no copy")
                .isEqualTo(new Placement.Serve(Optional.of(oneFree.get(1))));
    }

    @Test
    void aPullerNeedsFreeMemoryForTheModelAndMustNotBeDrainingBusyOrUnreachable() {
        List<NodeState> nodes = List.of(sized("a", List.of(), 0, false, 999), sized("b", List.of(), 5, false, 5000),
                sized("c", List.of(M), 0, true, 5000), sized("d", List.of(), 0, true, 5000), sized("e", List.of(), 0, false, 5000));
        assertThat(((Placement.Pull) decide("a", nodes, Set.of())).puller().name()).isEqualTo("e");
        assertThat(decide("a", nodes, Set.of("e"))).as("no node can take it: nothing to route to")
                .isEqualTo(new Placement.Serve(Optional.empty()));
        assertThat(decide("a", nodes, Set.of("c"))).as("the only holder unreachable: no source")
                .isEqualTo(new Placement.Serve(Optional.empty()));
    }

    @Test
    void aCopyUnderWayIsJoinedNotStartedAgain() {
        List<NodeState> drained = List.of(sized("a", List.of(), 0, false, 5000), sized("b", List.of(), 3, false, 5000, List.of(M)),
                sized("c", List.of(M), 0, true, 5000));
        assertThat(((Placement.Pull) decide("a", drained, Set.of())).puller().name())
                .as("b is already pulling it, though a is less loaded").isEqualTo("b");
        List<NodeState> busy = List.of(sized("a", List.of(M), 6, false, 5000), sized("b", List.of(), 0, false, 5000, List.of(M)),
                sized("c", List.of(M), 5, false, 5000));
        assertThat(decide("a", busy, Set.of())).as("busy holders serve meanwhile; no second copy")
                .isEqualTo(new Placement.Serve(Optional.of(busy.get(2))));
    }

    @Test
    void withoutDrainingOrBusyHoldersDecideIsChoose() {
        List<NodeState> nodes = List.of(node("a", List.of(), List.of(), 0, false),
                node("b", List.of(M), List.of(), 3, false), node("c", List.of(M), List.of(M), 1, false));
        assertThat(decide("a", nodes, Set.of())).isEqualTo(new Placement.Serve(Optional.of(nodes.get(2))));
        assertThat(placement.decide("a", List.of("other:latest"), nodes, Set.of())).isEqualTo(new Placement.Serve(Optional.empty()));
        assertThat(placement.decide("a", List.of("alice/tiny:latest", M), nodes, Set.of()))
                .as("the first name a node holds is the one placed").isEqualTo(new Placement.Serve(Optional.of(nodes.get(2))));
    }
}
