package dev.bastion.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.NodePackages;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The stock {@code ollama} npm client's {@code pull()} and {@code push()}, streamed and not, against Bastion (src/test/node). */
class OllamaClientPullPushTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;

    @Test
    void pullAndPushWithProgressStreaming() throws Exception {
        NodePackages.install(NODE_DIR);
        try (BastionNode a = new BastionNode(homeA, Map.of())) {
            a.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("a"), Architecture.LLAMA), ModelName.parse("alice/tiny"), "alice");
            try (BastionNode b = new BastionNode(homeB, Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("alice")))) {
                b.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("b"), Architecture.LLAMA), ModelName.parse("alice/mine:v2"), "alice");
                JsonNode out = new ObjectMapper().readTree(NodePackages.runScript(NODE_DIR, "pull-push.mjs", Map.of(
                        "BASE_URL", b.server.baseUrl(), "BASTION_API_KEY", b.keys.get("alice"),
                        "PULL_MODEL", a.hostPort() + "/alice/tiny:latest", "PUSH_MODEL", a.hostPort() + "/alice/mine:v2")));
                assertThat(out.get("pullStatuses").get(0).asText()).isEqualTo("pulling manifest");
                assertThat(out.get("pullStatuses").get(out.get("pullStatuses").size() - 1).asText()).isEqualTo("success");
                assertThat(out.get("pullProgress").asInt()).isPositive();
                assertThat(out.get("pullOnce").asText()).isEqualTo("success");
                assertThat(out.get("pushStatuses").get(out.get("pushStatuses").size() - 1).asText()).isEqualTo("success");
                assertThat(out.get("badName").asText()).contains("must not contain '..'");
                assertThat(b.store.manifest(ModelName.parse("alice/tiny"))).isPresent();
                assertThat(a.store.manifest(ModelName.parse("alice/mine:v2"))).isPresent();
            }
        }
    }
}
