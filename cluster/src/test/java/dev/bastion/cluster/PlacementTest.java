package dev.bastion.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
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
}
