package dev.bastion.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.registry.signing.Ed25519Keys;
import dev.bastion.registry.signing.ModelSignatures;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Signature artifacts pushed to a Bastion, and served to a pulling one, by someone hostile. */
class HostileSignatureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelName TINY = ModelName.parse("alice/tiny");

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;
    BastionNode a;
    String digest;
    byte[] envelope;

    @BeforeEach
    void start() throws Exception {
        a = new BastionNode(homeA, Map.of());
        a.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), TINY, "alice");
        digest = SignatureGuard.manifestDigest(a.store.manifest(TINY).orElseThrow());
        KeyPair key = Ed25519Keys.generate();
        envelope = ModelSignatures.sign(TINY.toString(), digest, key.getPrivate(), key.getPublic(), Instant.now());
    }

    @AfterEach
    void stop() {
        a.close();
    }

    private String tag(String d) {
        return "/v2/alice/tiny/manifests/" + RegistryClient.signatureTag(d);
    }

    @Test
    void aWellFormedSignatureOfTheRepositorysModelIsKept() throws Exception {
        HttpResponse<String> r = a.put("alice", tag(digest), SignatureArtifact.manifest(envelope));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(a.store.signature(digest)).hasValueSatisfying(e -> assertThat(e).isEqualTo(envelope));
    }

    @Test
    void anotherUsersNamespaceIsRefused() throws Exception {
        assertThat(a.put("bob", tag(digest), SignatureArtifact.manifest(envelope)).statusCode()).isEqualTo(403);
        assertThat(a.store.signature(digest)).isEmpty();
        assertThat(a.audited("model.push")).anyMatch(l -> l.contains("denied"));
    }

    @Test
    void aSignatureForAManifestTheRepositoryDoesNotHoldIsRefused() throws Exception {
        String other = "sha256:" + "0".repeat(64);
        HttpResponse<String> r = a.put("alice", tag(other), SignatureArtifact.manifest(envelope));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(a.store.signature(other)).isEmpty();
        assertThat(homeA.resolve("signatures")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    @Test
    void malformedArtifactsAndEnvelopesAreRefused() throws Exception {
        ObjectNode artifact = (ObjectNode) JSON.readTree(SignatureArtifact.manifest(envelope));
        ObjectNode wrongData = artifact.deepCopy();
        ((ObjectNode) wrongData.get("layers").get(0)).put("data", Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8)));
        byte[] notDsse = "{\"hello\":\"<script>\"}".getBytes(StandardCharsets.UTF_8);
        ObjectNode notAnEnvelope = (ObjectNode) JSON.readTree(SignatureArtifact.manifest(notDsse));
        ObjectNode noLayer = artifact.deepCopy();
        noLayer.putArray("layers");
        ObjectNode hugeLayer = artifact.deepCopy();
        ((ObjectNode) hugeLayer.get("layers").get(0)).put("size", 1L << 40).remove("data");
        for (ObjectNode hostile : new ObjectNode[] {wrongData, notAnEnvelope, noLayer, hugeLayer}) {
            HttpResponse<String> r = a.put("alice", tag(digest), JSON.writeValueAsBytes(hostile));
            assertThat(r.statusCode()).as(hostile.toString()).isEqualTo(400);
            assertThat(r.body()).contains("MANIFEST_INVALID").doesNotContain("<script>");
        }
        assertThat(a.put("alice", tag(digest), "not json".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        byte[] oversized = new byte[(int) RegistryLimits.DEFAULTS.maxManifestBytes() + 10];
        java.util.Arrays.fill(oversized, (byte) ' ');
        assertThat(a.put("alice", tag(digest), oversized).statusCode()).isEqualTo(413);
        assertThat(a.store.signature(digest)).isEmpty();
        assertThat(a.audited("model.push")).filteredOn(l -> l.contains("invalid signature artifact")).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void aTagThatOnlyLooksLikeASignatureIsAnInvalidTag() throws Exception {
        for (String bad : new String[] {"sha256-" + "A".repeat(64) + ".sig", "sha256-..%2F..%2Fx.sig", "sha256-" + "a".repeat(63) + ".sig"}) {
            HttpResponse<String> r = a.put("alice", "/v2/alice/tiny/manifests/" + bad, SignatureArtifact.manifest(envelope));
            assertThat(r.statusCode()).as(bad).isIn(400, 404);
        }
        try (var files = Files.walk(homeA)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".dsse.json"))).isEmpty();
        }
    }

    @Test
    void aPullerUnderEnforceRefusesAMalformedSignatureFromTheRegistry() throws Exception {
        a.store.putSignature(digest, "{\"payloadType\":".getBytes(StandardCharsets.UTF_8)); // what a hostile A serves
        try (BastionNode b = new BastionNode(homeB, Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("alice"), "BASTION_REQUIRE_SIGNED", "enforce"))) {
            HttpResponse<String> r = b.post("root", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("not valid JSON");
            assertThat(b.store.list()).isEmpty();
            assertThat(b.blobFiles()).isEmpty();
            assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anyMatch(l -> l.contains("\"invalid\""));
        }
    }
}
