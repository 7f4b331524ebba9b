package dev.bastion.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.Layer;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Server A serves its store over /v2; server B pulls from it (and pushes to it) through /api/pull and /api/push. */
class RegistryTwoServersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;
    BastionNode a;
    BastionNode b;
    Manifest original;

    @BeforeEach
    void start() throws Exception {
        a = new BastionNode(homeA, Map.of());
        Path tiny = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA);
        original = a.store.importDirectory(tiny, ModelName.parse("alice/tiny"), "alice");
    }

    /** B, holding {@code user}'s key for A as its registry token. */
    private void startB(String userOnA) throws Exception {
        b = new BastionNode(homeB, Map.of("BASTION_REGISTRY_TOKEN", a.keys.get(userOnA)));
    }

    @AfterEach
    void stop() {
        if (b != null) b.close();
        a.close();
    }

    private List<JsonNode> lines(HttpResponse<String> response) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : response.body().split("\n")) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void bPullsAliceModelFromAWithStreamedProgressAndTheSameDigest() throws Exception {
        startB("alice");
        HttpResponse<String> r = b.post("root", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny:latest\",\"insecure\":true}");
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = lines(r);
        assertThat(lines.getFirst().get("status").asText()).isEqualTo("pulling manifest");
        assertThat(lines.getLast().get("status").asText()).isEqualTo("success");
        JsonNode weights = lines.stream().filter(l -> l.has("completed") && l.get("completed").asLong() == l.get("total").asLong()
                && l.get("total").asLong() > 1000).findFirst().orElseThrow();
        assertThat(weights.get("digest").asText()).startsWith("sha256:");

        Manifest pulled = b.store.manifest(ModelName.parse("alice/tiny")).orElseThrow();
        assertThat(pulled.allLayers()).isEqualTo(original.allLayers());
        assertThat(pulled.owner()).isEqualTo("alice");
        b.store.materialize(ModelName.parse("alice/tiny")); // every blob verifies against the manifest
        // both serve the same manifest bytes: the digest (what a signature covers) survives the transfer
        HttpResponse<byte[]> fromA = a.get("alice", "/v2/alice/tiny/manifests/latest");
        HttpResponse<byte[]> fromB = b.get("alice", "/v2/alice/tiny/manifests/latest");
        assertThat(fromB.headers().firstValue("Docker-Content-Digest")).isEqualTo(fromA.headers().firstValue("Docker-Content-Digest"));
        assertThat(a.audited("model.pull")).anyMatch(l -> l.contains("success"));
        assertThat(b.audited("model.pull")).anyMatch(l -> l.contains("success"));
    }

    @Test
    void aUserPullsOnlyWhatTheUserMaySee() throws Exception {
        startB("bob");
        HttpResponse<String> r = b.post("root", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true,\"stream\":false}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(b.store.list()).isEmpty();
        assertThat(b.blobFiles()).isEmpty();
        assertThat(a.audited("model.pull")).anyMatch(l -> l.contains("denied"));
        // and over /v2 directly: bob sees neither the manifest nor its blobs; no key at all is a 401
        assertThat(a.get("bob", "/v2/alice/tiny/manifests/latest").statusCode()).isEqualTo(404);
        assertThat(a.get("bob", "/v2/alice/tiny/blobs/" + original.config().digest()).statusCode()).isEqualTo(404);
        assertThat(a.get(null, "/v2/").statusCode()).isEqualTo(401);
    }

    @Test
    void aUserPullsOnlyIntoANamespaceTheUserMayWrite() throws Exception {
        startB("alice");
        HttpResponse<String> r = b.post("bob", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(b.store.list()).isEmpty();
    }

    @Test
    void aBlobWithOneByteFlippedOnADiskIsRefusedAndNothingIsStored() throws Exception {
        Layer weights = original.layers().stream().filter(l -> l.size() > 1000).findFirst().orElseThrow();
        Path blob = homeA.resolve("blobs").resolve("sha256-" + weights.hex());
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);
        startB("alice");
        HttpResponse<String> r = b.post("root", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true}");
        JsonNode last = lines(r).getLast();
        assertThat(last.get("error").asText()).contains("does not match its digest");
        assertThat(b.store.list()).isEmpty();
        assertThat(b.store.manifest(ModelName.parse("alice/tiny"))).isEmpty();
        assertThat(b.blobFiles()).noneMatch(p -> p.getFileName().toString().contains(weights.hex()));
        assertThat(b.audited("model.pull")).anyMatch(l -> l.contains("failure"));
    }

    @Test
    void bPushesIntoItsUsersNamespaceOnAAndNotIntoAnothers() throws Exception {
        startB("bob");
        b.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("b"), Architecture.LLAMA), ModelName.parse("bob/mine:v1"), "bob");
        HttpResponse<String> ok = b.post("bob", "/api/push", "{\"model\":\"" + a.hostPort() + "/bob/mine:v1\",\"insecure\":true}");
        assertThat(lines(ok).getLast().get("status").asText()).isEqualTo("success");
        Manifest pushed = a.store.manifest(ModelName.parse("bob/mine:v1")).orElseThrow();
        assertThat(pushed.owner()).isEqualTo("bob");
        assertThat(pushed.allLayers()).isEqualTo(b.store.manifest(ModelName.parse("bob/mine:v1")).orElseThrow().allLayers());
        assertThat(a.audited("model.push")).anyMatch(l -> l.contains("success"));

        b.store.copy(ModelName.parse("bob/mine:v1"), ModelName.parse("alice/stolen"), "alice");
        HttpResponse<String> refused = b.post("root", "/api/push", "{\"model\":\"" + a.hostPort() + "/alice/stolen\",\"insecure\":true}");
        assertThat(lines(refused).getLast().get("error").asText()).contains("refused");
        assertThat(a.store.manifest(ModelName.parse("alice/stolen"))).isEmpty();
        assertThat(a.audited("model.push")).anyMatch(l -> l.contains("denied"));
        assertThat(a.store.list()).extracting(ModelInfo::name).extracting(ModelName::toString)
                .containsExactlyInAnyOrder("alice/tiny:latest", "bob/mine:v1");
    }

    @Test
    void plainHttpIsRefusedForAHostThatIsNotLoopback() throws Exception {
        startB("alice");
        HttpResponse<String> r = b.post("root", "/api/pull", "{\"model\":\"registry.example/alice/tiny\",\"insecure\":true,\"stream\":false}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("loopback");
    }

    @Test
    void blobsAreServedWithRanges() throws Exception {
        Layer weights = original.layers().stream().filter(l -> l.size() > 1000).findFirst().orElseThrow();
        byte[] whole = a.get("alice", "/v2/alice/tiny/blobs/" + weights.digest()).body();
        HttpResponse<byte[]> tail = a.get("alice", "/v2/alice/tiny/blobs/" + weights.digest(), "Range", "bytes=100-");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.headers().firstValue("Content-Range")).hasValue("bytes 100-" + (whole.length - 1) + "/" + whole.length);
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(whole, 100, whole.length));
        assertThat(a.get("alice", "/v2/alice/tiny/blobs/" + weights.digest(), "Range", "bytes=" + whole.length + "-").statusCode()).isEqualTo(416);
    }
}
