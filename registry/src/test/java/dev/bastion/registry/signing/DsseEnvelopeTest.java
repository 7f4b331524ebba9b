package dev.bastion.registry.signing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The DSSE envelope and the verdicts on hostile ones. */
class DsseEnvelopeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    private final KeyPair publisher = Ed25519Keys.generate();
    private final List<ModelSignatures.TrustedKey> trusted = List.of(new ModelSignatures.TrustedKey("acme", publisher.getPublic()));

    private byte[] signed(String digest) {
        return ModelSignatures.sign("alice/tiny:latest", digest, publisher.getPrivate(), publisher.getPublic(), Instant.EPOCH);
    }

    private ObjectNode json(byte[] envelope) throws Exception {
        return (ObjectNode) JSON.readTree(envelope);
    }

    @Test
    void paeIsTheSpecsEncoding() {
        // the example of the DSSE protocol document
        assertThat(new String(Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
                .isEqualTo("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
        // lengths count bytes, not characters
        assertThat(Dsse.pae("t", "é".getBytes(StandardCharsets.UTF_8))).isEqualTo("DSSEv1 1 t 2 é".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(Dsse.pae("", new byte[0]), StandardCharsets.US_ASCII)).isEqualTo("DSSEv1 0  0 ");
    }

    @Test
    void aSignedStatementVerifiesAndNamesItsSubject() throws Exception {
        byte[] envelope = signed(DIGEST);
        ObjectNode node = json(envelope);
        assertThat(node.get("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
        assertThat(node.get("signatures").get(0).get("keyid").asText()).isEqualTo(Ed25519Keys.keyId(publisher.getPublic()))
                .matches("[0-9a-f]{64}");
        ObjectNode statement = (ObjectNode) JSON.readTree(Base64.getDecoder().decode(node.get("payload").asText()));
        assertThat(statement.get("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
        assertThat(statement.get("subject").get(0).get("name").asText()).isEqualTo("alice/tiny:latest");
        assertThat(statement.get("subject").get(0).get("digest").get("sha256").asText()).isEqualTo("ab".repeat(32));
        // the signature is over the PAE, not the bare payload
        byte[] payload = Base64.getDecoder().decode(node.get("payload").asText());
        byte[] sig = Base64.getDecoder().decode(node.get("signatures").get(0).get("sig").asText());
        assertThat(Ed25519Keys.verify(publisher.getPublic(), Dsse.pae(Dsse.IN_TOTO, payload), sig)).isTrue();
        assertThat(Ed25519Keys.verify(publisher.getPublic(), payload, sig)).isFalse();

        Verdict v = ModelSignatures.verify(Optional.of(envelope), DIGEST, trusted);
        assertThat(v.status()).isEqualTo(Verdict.Status.VERIFIED);
        assertThat(v.signer()).isEqualTo("acme");
    }

    @Test
    void aForgedSignatureIsInvalid() throws Exception {
        ObjectNode node = json(signed(DIGEST));
        byte[] sig = Base64.getDecoder().decode(node.get("signatures").get(0).get("sig").asText());
        sig[5] ^= 1;
        ((ObjectNode) node.get("signatures").get(0)).put("sig", Base64.getEncoder().encodeToString(sig));
        assertThat(ModelSignatures.verify(Optional.of(JSON.writeValueAsBytes(node)), DIGEST, trusted).status()).isEqualTo(Verdict.Status.INVALID);
    }

    @Test
    void aPayloadChangedUnderTheSignatureIsInvalid() throws Exception {
        ObjectNode node = json(signed(DIGEST));
        String statement = new String(Base64.getDecoder().decode(node.get("payload").asText()), StandardCharsets.UTF_8);
        String other = statement.replace("ab".repeat(32), "cd".repeat(32));
        node.put("payload", Base64.getEncoder().encodeToString(other.getBytes(StandardCharsets.UTF_8)));
        assertThat(ModelSignatures.verify(Optional.of(JSON.writeValueAsBytes(node)), "sha256:" + "cd".repeat(32), trusted).status())
                .isEqualTo(Verdict.Status.INVALID);
    }

    @Test
    void aWrongPayloadTypeIsInvalidEvenWithAValidSignatureOverIt() throws Exception {
        // a correct signature over another type's PAE: the type is bound, so it cannot pass as an in-toto statement
        byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] sig = Ed25519Keys.sign(publisher.getPrivate(), Dsse.pae("text/plain", payload));
        byte[] envelope = new Dsse.Envelope("text/plain", payload, List.of(new Dsse.Signature(Ed25519Keys.keyId(publisher.getPublic()), sig))).encode();
        Verdict v = ModelSignatures.verify(Optional.of(envelope), DIGEST, trusted);
        assertThat(v.status()).isEqualTo(Verdict.Status.INVALID);
        assertThat(v.message()).contains("payloadType");
        // and relabelling the type makes the signature fail
        ObjectNode node = json(envelope).put("payloadType", Dsse.IN_TOTO);
        assertThat(ModelSignatures.verify(Optional.of(JSON.writeValueAsBytes(node)), DIGEST, trusted).status()).isEqualTo(Verdict.Status.INVALID);
    }

    @Test
    void malformedEnvelopesAreInvalidWithoutEchoingInput() throws Exception {
        ObjectNode good = json(signed(DIGEST));
        List<byte[]> hostile = List.of(
                "not json <script>".getBytes(StandardCharsets.UTF_8),
                "[]".getBytes(StandardCharsets.UTF_8),
                "{\"payloadType\":1,\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AA==\"}]}".getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(good.deepCopy().put("payload", "!!!not base64<script>")),
                JSON.writeValueAsBytes(good.deepCopy().putArray("signatures")),
                JSON.writeValueAsBytes(good.deepCopy().put("signatures", "x")),
                "{\"a\":".repeat(100).getBytes(StandardCharsets.UTF_8));
        for (byte[] h : hostile) {
            Verdict v = ModelSignatures.verify(Optional.of(h), DIGEST, trusted);
            assertThat(v.status()).as(new String(h, StandardCharsets.UTF_8)).isEqualTo(Verdict.Status.INVALID);
            assertThat(v.message()).doesNotContain("<script>");
        }
        ObjectNode badSig = good.deepCopy();
        ((ObjectNode) badSig.get("signatures").get(0)).put("sig", "%%%");
        assertThatThrownBy(() -> Dsse.parse(JSON.writeValueAsBytes(badSig))).isInstanceOf(SignatureException.class).hasMessageContaining("base64");
    }

    @Test
    void anOversizedEnvelopeIsRefusedBeforeParsing() {
        byte[] huge = new byte[Dsse.MAX_ENVELOPE_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertThatThrownBy(() -> Dsse.parse(huge)).isInstanceOf(SignatureException.class).hasMessageContaining("exceeds");
        assertThat(ModelSignatures.verify(Optional.of(huge), DIGEST, trusted).status()).isEqualTo(Verdict.Status.INVALID);
    }

    @Test
    void anUntrustedKeyAnotherManifestAndNoSignatureAreTold() {
        KeyPair stranger = Ed25519Keys.generate();
        byte[] byStranger = ModelSignatures.sign("alice/tiny:latest", DIGEST, stranger.getPrivate(), stranger.getPublic(), Instant.EPOCH);
        Verdict untrusted = ModelSignatures.verify(Optional.of(byStranger), DIGEST, trusted);
        assertThat(untrusted.status()).isEqualTo(Verdict.Status.UNTRUSTED);
        assertThat(untrusted.keyId()).isEqualTo(Ed25519Keys.keyId(stranger.getPublic()));
        assertThat(ModelSignatures.verify(Optional.of(byStranger), DIGEST, List.of()).status()).isEqualTo(Verdict.Status.UNTRUSTED);

        Verdict replayed = ModelSignatures.verify(Optional.of(signed(DIGEST)), "sha256:" + "cd".repeat(32), trusted);
        assertThat(replayed.status()).isEqualTo(Verdict.Status.MISMATCH);
        assertThat(replayed.signer()).isEqualTo("acme");

        assertThat(ModelSignatures.verify(Optional.empty(), DIGEST, trusted).status()).isEqualTo(Verdict.Status.UNSIGNED);
    }

    @Test
    void aStrangersKeyClaimingTheTrustedKeyIdDoesNotVerify() throws Exception {
        KeyPair stranger = Ed25519Keys.generate();
        ObjectNode node = json(ModelSignatures.sign("alice/tiny:latest", DIGEST, stranger.getPrivate(), stranger.getPublic(), Instant.EPOCH));
        ((ObjectNode) node.get("signatures").get(0)).put("keyid", Ed25519Keys.keyId(publisher.getPublic()));
        assertThat(ModelSignatures.verify(Optional.of(JSON.writeValueAsBytes(node)), DIGEST, trusted).status()).isEqualTo(Verdict.Status.INVALID);
    }

    @Test
    void pemRoundTripsAndRejectsOtherKeys() throws Exception {
        String pem = Ed25519Keys.toPem(publisher.getPublic());
        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n");
        assertThat(Ed25519Keys.fromPem(pem)).isEqualTo(publisher.getPublic());
        var rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        String rsaPem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        assertThatThrownBy(() -> Ed25519Keys.fromPem(rsaPem)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
        assertThatThrownBy(() -> Ed25519Keys.fromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
