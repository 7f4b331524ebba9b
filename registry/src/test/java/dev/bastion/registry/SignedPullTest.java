package dev.bastion.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.registry.signing.Ed25519Keys;
import dev.bastion.registry.signing.ModelSigner;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.SigningKeys;
import dev.bastion.store.Layer;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.Modelfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server A signs and serves; server B pulls with {@code BASTION_REQUIRE_SIGNED=enforce}, trusting A's publisher key.
 * Every attack is refused by B with a clear error and an audit record, and leaves nothing in B's store.
 */
class SignedPullTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelName TINY = ModelName.parse("alice/tiny");

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;
    BastionNode a;
    BastionNode b;
    SigningKeys.Info publisher;

    @BeforeEach
    void start() throws Exception {
        a = new BastionNode(homeA, Map.of());
        a.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), TINY, "alice");
        publisher = a.signingKeys.create("publisher", "test", Instant.now());
        b = new BastionNode(homeB, Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("alice"), "BASTION_REQUIRE_SIGNED", "enforce"));
        b.trust.add("acme", Ed25519Keys.toPem(publisher.publicKey()), "test", Instant.now());
    }

    @AfterEach
    void stop() {
        if (b != null) b.close();
        a.close();
    }

    private ModelSigner.Signed sign(String key) throws Exception {
        return ModelSigner.sign(a.store, TINY, a.signingKeys.signer(key), Instant.now());
    }

    private HttpResponse<String> pull(boolean stream) throws Exception {
        return b.post("root", "/api/pull", "{\"model\":\"" + a.hostPort() + "/alice/tiny\",\"insecure\":true,\"stream\":" + stream + "}");
    }

    private void assertNothingStoredOnB() throws Exception {
        assertThat(b.store.list()).isEmpty();
        assertThat(b.blobFiles()).isEmpty();
        assertThat(homeB.resolve("signatures")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    private void assertRefusedWith(HttpResponse<String> r, String reason, String status) throws Exception {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("refused", "enforce", reason);
        assertNothingStoredOnB();
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"failure\"", "\"" + status + "\"", "alice/tiny"));
        assertThat(b.audited("model.pull")).anyMatch(l -> l.contains("failure"));
    }

    @Test
    void aSignedModelIsPulledVerifiedAndServedByB() throws Exception {
        ModelSigner.Signed signed = sign("publisher");
        HttpResponse<String> r = pull(true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().lines().reduce((x, y) -> y).orElseThrow()).contains("\"success\"");
        assertThat(b.store.signature(signed.manifestDigest())).hasValueSatisfying(e -> assertThat(e).isEqualTo(signed.envelope()));
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"success\"", "\"pull\"", "acme"));

        HttpResponse<String> show = b.post("alice", "/api/show", "{\"model\":\"alice/tiny\"}");
        JsonNode signature = JSON.readTree(show.body()).get("signature");
        assertThat(JSON.readTree(show.body()).has("extra")).isFalse(); // module fields sit beside Ollama's, not nested
        assertThat(signature.get("verified").asBoolean()).isTrue();
        assertThat(signature.get("signer").asText()).isEqualTo("acme");
        assertThat(signature.get("key_id").asText()).isEqualTo(publisher.keyId());

        // B loads it (the load gate verifies again) and generates
        HttpResponse<String> generated = b.post("alice", "/api/generate",
                "{\"model\":\"alice/tiny\",\"prompt\":\"hello\",\"stream\":false,\"options\":{\"num_predict\":3,\"seed\":1}}");
        assertThat(generated.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(generated.body()).get("eval_count").asInt()).isPositive();
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"success\"", "\"load\""));
    }

    @Test
    void anUnsignedModelIsRefused() throws Exception {
        assertRefusedWith(pull(false), "not signed", "unsigned");
    }

    @Test
    void aSignatureFromAnUntrustedKeyIsRefused() throws Exception {
        a.signingKeys.create("stranger", "test", Instant.now());
        sign("stranger");
        assertRefusedWith(pull(true), "not trusted", "untrusted");
    }

    @Test
    void aBlobWithOneByteFlippedOnADiskIsRefused() throws Exception {
        sign("publisher");
        Layer weights = a.store.manifest(TINY).orElseThrow().layers().stream().filter(l -> l.size() > 1000).findFirst().orElseThrow();
        Path blob = homeA.resolve("blobs").resolve("sha256-" + weights.hex());
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);
        HttpResponse<String> r = pull(true);
        // the signature holds (it covers the manifest), the blob does not match the manifest's digest
        assertThat(JSON.readTree(r.body().lines().reduce((x, y) -> y).orElseThrow()).get("error").asText()).contains("does not match its digest");
        assertNothingStoredOnB();
        assertThat(b.audited("model.pull")).anyMatch(l -> l.contains("failure") && l.contains("does not match its digest"));
    }

    @Test
    void aSwappedManifestServedWithTheOldSignatureIsRefused() throws Exception {
        ModelSigner.Signed signed = sign("publisher");
        // an attacker on A puts another model under the tag and serves the publisher's signature beside it
        a.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("evil"), Architecture.QWEN2), TINY, "alice");
        String swapped = SignatureGuard.manifestDigest(a.store.manifest(TINY).orElseThrow());
        assertThat(swapped).isNotEqualTo(signed.manifestDigest());
        a.store.putSignature(swapped, signed.envelope());
        assertRefusedWith(pull(true), "covers another manifest", "mismatch");
    }

    @Test
    void anOldSignatureReplayedOnANewVersionIsRefused() throws Exception {
        ModelSigner.Signed v1 = sign("publisher");
        // the model gets a new version (another parameter, so another manifest) that nobody signed; v1's signature is replayed
        Manifest base = a.store.manifest(TINY).orElseThrow();
        a.store.create(TINY, new Modelfile(TINY.toString(), Map.of("temperature", 0.1), null, null, null), "alice", null);
        Manifest v2 = a.store.manifest(TINY).orElseThrow();
        assertThat(SignatureGuard.manifestDigest(v2)).isNotEqualTo(SignatureGuard.manifestDigest(base));
        a.store.putSignature(SignatureGuard.manifestDigest(v2), v1.envelope());
        assertRefusedWith(pull(false), "covers another manifest", "mismatch");
    }

    @Test
    void underEnforceAnUnsignedStoredModelIsNotLoaded() throws Exception {
        b.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("local"), Architecture.LLAMA), ModelName.parse("alice/local"), "alice");
        HttpResponse<String> r = b.post("alice", "/api/generate", "{\"model\":\"alice/local\",\"prompt\":\"hi\",\"stream\":false}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("alice/local", "not signed");
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"failure\"", "\"load\""));
        // an unknown model is still just unknown
        assertThat(b.post("alice", "/api/generate", "{\"model\":\"alice/nothing\",\"prompt\":\"hi\",\"stream\":false}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void underEnforceAnImportOverHttpIsRefused() throws Exception {
        HttpResponse<String> r = b.post("alice", "/api/create",
                "{\"model\":\"alice/up\",\"files\":{\"model.gguf\":\"sha256:" + "0".repeat(64) + "\"},\"stream\":false}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("alice/up:latest", "enforce");
        assertThat(b.store.list()).isEmpty();
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"import\"", "\"failure\""));
    }

    @Test
    void underWarnAnUnsignedModelIsPulledAndTheOutcomeAudited() throws Exception {
        b.close();
        b = new BastionNode(homeB.resolve("warn"), Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("alice"), "BASTION_REQUIRE_SIGNED", "warn"));
        HttpResponse<String> r = pull(false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(b.store.manifest(TINY)).isPresent();
        assertThat(b.audited(SignatureGuard.AUDIT_ACTION)).anySatisfy(l -> assertThat(l).contains("\"failure\"", "\"unsigned\"", "\"warn\""));
        JsonNode signature = JSON.readTree(b.post("alice", "/api/show", "{\"model\":\"alice/tiny\"}").body()).get("signature");
        assertThat(signature.get("signed").asBoolean()).isFalse();
        assertThat(signature.get("verified").asBoolean()).isFalse();
    }

    @Test
    void pushCarriesTheSignatureToTheRegistry() throws Exception {
        // B (a publisher now) signs its own model and pushes it to A; A serves the signature under the cosign tag
        b.close();
        b = new BastionNode(homeB.resolve("pub"), Map.of("BASTION_REGISTRY_TOKEN", a.keys.get("bob")));
        b.store.importDirectory(TinyModelFixture.tinyModel(source.resolve("b"), Architecture.LLAMA), ModelName.parse("bob/mine"), "bob");
        b.signingKeys.create("bob-key", "test", Instant.now());
        ModelSigner.Signed signed = ModelSigner.sign(b.store, ModelName.parse("bob/mine"), b.signingKeys.signer("bob-key"), Instant.now());
        HttpResponse<String> pushed = b.post("bob", "/api/push", "{\"model\":\"" + a.hostPort() + "/bob/mine\",\"insecure\":true}");
        assertThat(pushed.body()).contains("pushing signature").endsWith("{\"status\":\"success\"}\n");
        assertThat(a.store.signature(signed.manifestDigest())).hasValueSatisfying(e -> assertThat(e).isEqualTo(signed.envelope()));
        HttpResponse<byte[]> artifact = a.get("bob", "/v2/bob/mine/manifests/" + RegistryClient.signatureTag(signed.manifestDigest()));
        assertThat(artifact.statusCode()).isEqualTo(200);
        assertThat(SignatureArtifact.envelopeLayer(artifact.body()).inline()).hasValueSatisfying(e -> assertThat(e).isEqualTo(signed.envelope()));
        // the envelope is also served as the artifact's blob, for clients that do not read it inline
        String envelopeDigest = OciManifest.digest(signed.envelope());
        assertThat(a.get("bob", "/v2/bob/mine/blobs/" + envelopeDigest).body()).isEqualTo(signed.envelope());
        // who may not see the model does not see its signature either
        assertThat(a.get("alice", "/v2/bob/mine/manifests/" + RegistryClient.signatureTag(signed.manifestDigest())).statusCode()).isEqualTo(404);
        assertThat(a.get("alice", "/v2/bob/mine/blobs/" + envelopeDigest).statusCode()).isEqualTo(404);
        assertThat(a.blobFiles()).noneMatch(p -> p.getParent().getFileName().toString().equals("transfers"));
    }
}
