package dev.bastion.registry.signing;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BASTION_REQUIRE_SIGNED's three modes on a stored model, the keys' storage, and what each audits. */
class SignaturePolicyTest {

    private static final ModelName TINY = ModelName.parse("alice/tiny");

    @TempDir Path home;
    @TempDir Path source;
    ModelStore store;
    SecurityServices services;
    SigningKeys keys;
    TrustStore trust;

    @BeforeEach
    void open() throws Exception {
        store = new ModelStore(home);
        services = SecurityServices.open(home, Map.of());
        services.users().create("alice", Role.USER);
        keys = new SigningKeys(services.database(), services.secrets());
        trust = new TrustStore(services.database());
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), TINY, "alice");
    }

    private SignatureGuard guard(SignaturePolicy policy) {
        return new SignatureGuard(store, trust, services.audit(), policy);
    }

    private List<String> audited() throws Exception {
        if (!Files.exists(services.audit().file())) return List.of();
        return Files.readAllLines(services.audit().file(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("\"" + SignatureGuard.AUDIT_ACTION + "\"")).toList();
    }

    @Test
    void theEnvironmentNamesTheModeAndATypoIsAnError() {
        assertThat(SignaturePolicy.fromEnvironment(Map.of())).isEqualTo(SignaturePolicy.WARN);
        assertThat(SignaturePolicy.fromEnvironment(Map.of("BASTION_REQUIRE_SIGNED", " Enforce "))).isEqualTo(SignaturePolicy.ENFORCE);
        assertThat(SignaturePolicy.fromEnvironment(Map.of("BASTION_REQUIRE_SIGNED", "off"))).isEqualTo(SignaturePolicy.OFF);
        assertThatThrownBy(() -> SignaturePolicy.fromEnvironment(Map.of("BASTION_REQUIRE_SIGNED", "enforced")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("off, warn or enforce");
    }

    @Test
    void offChecksNothingAndAuditsNothing() throws Exception {
        assertThat(guard(SignaturePolicy.OFF).checkStored("load", TINY, "op", null)).isEmpty();
        assertThat(audited()).isEmpty();
    }

    @Test
    void warnTakesAnUnsignedModelAndAuditsTheFailure() throws Exception {
        assertThat(guard(SignaturePolicy.WARN).checkStored("load", TINY, "op", null)).hasValueSatisfying(v ->
                assertThat(v.status()).isEqualTo(Verdict.Status.UNSIGNED));
        assertThat(audited()).singleElement().satisfies(l -> assertThat(l).contains("\"failure\"", "\"unsigned\"", "\"warn\"", "\"op\""));
    }

    @Test
    void enforceRefusesUntilTheModelIsSignedByATrustedKey() throws Exception {
        SignatureGuard enforce = guard(SignaturePolicy.ENFORCE);
        assertThatThrownBy(() -> enforce.checkStored("load", TINY, "op", null)).isInstanceOf(SignatureGuard.RefusedException.class)
                .hasMessageContaining("alice/tiny:latest").hasMessageContaining("not signed");

        SigningKeys.Info key = keys.create("publisher", "op", Instant.now());
        ModelSigner.sign(store, TINY, keys.signer("publisher"), Instant.now());
        assertThatThrownBy(() -> enforce.checkStored("load", TINY, "op", null)).hasMessageContaining("not trusted");

        trust.add("acme", Ed25519Keys.toPem(key.publicKey()), "op", Instant.now());
        assertThat(enforce.checkStored("load", TINY, "op", null)).hasValueSatisfying(v -> assertThat(v.signer()).isEqualTo("acme"));
        assertThat(enforce.describe(TINY).verified()).isTrue();

        // removing trust takes effect at once
        assertThat(trust.remove("acme")).isTrue();
        assertThatThrownBy(() -> enforce.checkStored("load", TINY, "op", null)).hasMessageContaining("not trusted");
        assertThat(audited()).hasSize(4).filteredOn(l -> l.contains("\"success\"")).hasSize(1);
        assertThatThrownBy(() -> enforce.checkImport("alice/new", "op")).isInstanceOf(SignatureGuard.RefusedException.class)
                .hasMessageContaining("import");
    }

    @Test
    void privateKeysAreSealedAndBoundToTheirName() throws Exception {
        SigningKeys.Info info = keys.create("publisher", "op", Instant.now());
        assertThatThrownBy(() -> keys.create("publisher", "op", Instant.now())).hasMessageContaining("already exists");
        assertThatThrownBy(() -> keys.create("../x", "op", Instant.now())).isInstanceOf(IllegalArgumentException.class);
        byte[] raw = keys.signer("publisher").privateKey().getEncoded();
        try (var c = services.database().connection(); var s = c.createStatement();
             var r = s.executeQuery("SELECT private_sealed, public_key FROM signing_keys")) {
            assertThat(r.next()).isTrue();
            String sealed = r.getString(1);
            assertThat(sealed).doesNotContain(java.util.Base64.getEncoder().encodeToString(raw));
            // the sealed key moved to another name does not open
            s.executeUpdate("INSERT INTO signing_keys (name, key_id, public_key, private_sealed, created_at) VALUES ('thief', '"
                    + "0".repeat(64) + "', '" + r.getString(2) + "', '" + sealed + "', 0)");
        }
        assertThatThrownBy(() -> keys.signer("thief")).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be opened");
        assertThat(keys.list()).extracting(SigningKeys.Info::name).containsExactly("publisher", "thief");
        assertThat(info.keyId()).isEqualTo(Ed25519Keys.keyId(info.publicKey()));
    }

    @Test
    void verifyModelRehashesEveryBlobWhateverTheMarkerSays() throws Exception {
        store.materialize(TINY); // writes the verified marker
        var weights = store.manifest(TINY).orElseThrow().layers().stream().filter(l -> l.size() > 1000).findFirst().orElseThrow();
        Path blob = home.resolve("blobs").resolve("sha256-" + weights.hex());
        blob.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(blob);
        bytes[10] ^= 1;
        try (var ch = java.nio.channels.FileChannel.open(blob, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes, 10, 1), 10); // in place: same inode and size
        }
        assertThatThrownBy(() -> store.verifyModel(TINY)).hasMessageContaining("corrupt or tampered with");
    }
}
