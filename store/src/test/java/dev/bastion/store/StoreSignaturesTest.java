package dev.bastion.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Signature envelopes are kept by the OCI manifest digest and go with the last model that digest names. */
class StoreSignaturesTest {

    @TempDir
    Path tmp;
    Path home;
    ModelStore store;
    Manifest tiny;
    String tinyDigest;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        store = new ModelStore(home);
        tiny = store.importDirectory(TinyModelDirectory.write(tmp.resolve("tiny"), 1), ModelName.parse("tiny"), "alice");
        tinyDigest = OciEncoding.signedDigest(tiny);
        store.putSignature(tinyDigest, envelope("tiny"));
    }

    private static byte[] envelope(String model) {
        return ("{\"payloadType\":\"application/vnd.in-toto+json\",\"subject\":\"" + model + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private Path signatureFile(String digest) {
        return home.resolve("signatures").resolve("sha256-" + digest.substring("sha256:".length()) + ".dsse.json");
    }

    @Test
    void aSignatureStaysWhileAnotherNameHasTheSameModelAndGoesWithTheLast() throws IOException {
        Manifest other = store.importDirectory(TinyModelDirectory.write(tmp.resolve("other"), 2), ModelName.parse("other"), null);
        String otherDigest = OciEncoding.signedDigest(other);
        store.putSignature(otherDigest, envelope("other"));
        // another user's copy: another name and owner, the same content, so the same digest and signature
        store.copy(ModelName.parse("tiny"), ModelName.parse("bob/tiny-copy"), "bob");
        assertThat(OciEncoding.signedDigest(store.manifest(ModelName.parse("bob/tiny-copy")).orElseThrow())).isEqualTo(tinyDigest);

        store.delete(ModelName.parse("tiny"));
        assertThat(store.signature(tinyDigest)).as("bob's copy still uses it").hasValue(envelope("tiny"));

        store.delete(ModelName.parse("bob/tiny-copy"));
        assertThat(store.signature(tinyDigest)).isEmpty();
        assertThat(signatureFile(tinyDigest)).doesNotExist();
        assertThat(store.signature(otherDigest)).as("another model's signature is untouched").hasValue(envelope("other"));
    }

    @Test
    void replacingAModelUnderItsNameDropsTheOldSignatureWhichCoversOtherContent() throws IOException {
        store.importDirectory(TinyModelDirectory.write(tmp.resolve("tiny-v2"), 3), ModelName.parse("tiny"), "alice");
        assertThat(store.signature(tinyDigest)).isEmpty();
    }

    @Test
    void gcKeepsSignaturesWhileAManifestIsUnreadable() throws IOException {
        store.importDirectory(TinyModelDirectory.write(tmp.resolve("other"), 2), ModelName.parse("other"), null);
        Files.createDirectories(home.resolve("manifests/library/broken"));
        Files.writeString(home.resolve("manifests/library/broken/latest"), "{");
        store.delete(ModelName.parse("tiny"));
        assertThat(store.signature(tinyDigest)).as("the unreadable manifest may be the same model").isPresent();
    }

    @Test
    void hostileEntriesInTheSignaturesDirectoryNeitherBreakRemovalNorReachOutside() throws IOException {
        Path outside = Files.writeString(tmp.resolve("outside.json"), "not the store's");
        String unused = "sha256:" + "0".repeat(64);
        Files.createSymbolicLink(signatureFile(unused), outside);
        Path foreign = Files.writeString(home.resolve("signatures").resolve("README"), "an operator's note");
        Path notADigest = Files.writeString(home.resolve("signatures").resolve("sha256-ABC.dsse.json"), "{}");

        store.delete(ModelName.parse("tiny"));

        assertThat(signatureFile(tinyDigest)).doesNotExist();
        assertThat(Files.exists(signatureFile(unused), java.nio.file.LinkOption.NOFOLLOW_LINKS)).as("a stale name: removed").isFalse();
        assertThat(outside).as("the link, not its target").hasContent("not the store's");
        assertThat(foreign).exists();
        assertThat(notADigest).exists();
    }
}
