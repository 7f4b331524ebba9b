package dev.bastion.cluster.pki;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mutual TLS between nodes over real sockets on loopback, and every kind of peer that must be turned away. */
class ClusterTlsTest {

    @TempDir
    Path tmp;

    private ClusterCa ca;
    private FileClusterIdentity nodeA;
    private TlsEchoServer server;

    @BeforeEach
    void startNodeA() throws IOException {
        ca = TestPki.ca(tmp.resolve("ca"));
        nodeA = TestPki.node(ca, "node-a", tmp.resolve("a"));
        server = new TlsEchoServer(nodeA, FileClusterIdentity.serverParameters());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private void assertRefused(SSLContext client, SSLParameters parameters) {
        assertThatThrownBy(() -> TlsEchoServer.exchange(client, parameters, server.port())).isInstanceOf(IOException.class);
        assertThat(server.accepted).isEmpty();
    }

    @Test
    void aNodeOfTheClusterIsAcceptedAndBothSidesKnowWhoTheOtherIs() throws IOException {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        String answer = TlsEchoServer.exchange(nodeB.sslContext(), FileClusterIdentity.clientParameters(), server.port());
        assertThat(answer).isEqualTo("hello node-b from node-a (hi)");
        assertThat(server.accepted).containsExactly("node-b");

        try (var socket = (javax.net.ssl.SSLSocket) nodeB.sslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
            socket.setSSLParameters(FileClusterIdentity.clientParameters());
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(nodeB.verifyPeer(socket.getSession())).isEqualTo("node-a");
        }
    }

    @Test
    void theContextRequiresAClientCertificateEvenWithoutServerParameters() throws Exception {
        try (TlsEchoServer bare = new TlsEchoServer(nodeA, null)) {
            SSLContext anonymous = TestPki.rawContext(null, null, ca.certificate());
            assertThatThrownBy(() -> TlsEchoServer.exchange(anonymous, null, bare.port())).isInstanceOf(IOException.class);
            assertThat(bare.accepted).isEmpty();
        }
    }

    @Test
    void aClientWithoutCertificateIsRefused() throws Exception {
        assertRefused(TestPki.rawContext(null, null, ca.certificate()), null);
    }

    @Test
    void aCertificateFromAnotherClusterIsRefused() throws Exception {
        ClusterCa other = TestPki.ca(tmp.resolve("other-ca"));
        other.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("intruder"));
        assertRefused(TestPki.rawContext(tmp.resolve("intruder"), ca.certificate()), null);
        // Its own loader would accept it — it is a well-formed bundle, just of another cluster.
        assertThat(FileClusterIdentity.load(tmp.resolve("intruder")).nodeName()).isEqualTo("node-b");
        assertRefused(FileClusterIdentity.load(tmp.resolve("intruder")).sslContext(), null);
    }

    @Test
    void aSelfSignedCertificateWithANodesNameIsRefused() throws Exception {
        KeyPair keys = ClusterCa.newKeyPair();
        X509Certificate forged = TestPki.certificate("CN=node-b", keys, "CN=node-b", keys.getPrivate(), false);
        assertRefused(TestPki.rawContext(keys.getPrivate(), new X509Certificate[] {forged}, ca.certificate()), null);
        // Nor with the cluster CA's own name as issuer: the signature does not verify.
        X509Certificate lookalike = TestPki.certificate("CN=node-b", keys,
                ca.certificate().getSubjectX500Principal().getName(), keys.getPrivate(), false);
        assertRefused(TestPki.rawContext(keys.getPrivate(), new X509Certificate[] {lookalike}, ca.certificate()), null);
    }

    @Test
    void aNodeCannotIssueCertificatesForOthers() throws Exception {
        ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("b"));
        X509Certificate nodeB = TestPki.cert(tmp.resolve("b/node.crt"));
        KeyPair keys = ClusterCa.newKeyPair();
        X509Certificate minted = TestPki.certificate("CN=node-x", keys, nodeB.getSubjectX500Principal().getName(),
                TestPki.key(tmp.resolve("b/node.key")), false);
        assertRefused(TestPki.rawContext(keys.getPrivate(), new X509Certificate[] {minted, nodeB, ca.certificate()},
                ca.certificate()), null);
    }

    @Test
    void anExpiredCertificateIsRefusedAndCannotBeLoaded() throws Exception {
        Instant now = Instant.now();
        ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("old"), now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(35)));
        assertRefused(TestPki.rawContext(tmp.resolve("old"), ca.certificate()), null);
        assertThatThrownBy(() -> FileClusterIdentity.load(tmp.resolve("old")))
                .hasMessageContaining("node.crt expired on").hasMessageContaining("bastion cluster join");
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateIsRefusedAndCannotBeLoaded() throws Exception {
        ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("b"));
        ca.issueNode("node-c", List.of("127.0.0.1"), tmp.resolve("c"));
        SSLContext mismatched = TestPki.rawContext(TestPki.key(tmp.resolve("c/node.key")),
                new X509Certificate[] {TestPki.cert(tmp.resolve("b/node.crt"))}, ca.certificate());
        assertRefused(mismatched, null);

        Files.copy(tmp.resolve("c/node.key"), tmp.resolve("b/node.key"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileClusterIdentity.load(tmp.resolve("b"))).hasMessageContaining("node.key is not the key of");
    }

    @Test
    void tls12IsRefusedEvenWithAValidNodeCertificate() throws Exception {
        ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("b"));
        SSLParameters tls12 = new SSLParameters();
        tls12.setProtocols(new String[] {"TLSv1.2"});
        assertRefused(TestPki.rawContext(tmp.resolve("b"), ca.certificate()), tls12);
        // And a node's own context cannot be talked into it.
        assertRefused(FileClusterIdentity.load(tmp.resolve("b")).sslContext(), tls12);
    }

    @Test
    void aClientRefusesAServerOfAnotherClusterOrAtAnotherAddress() throws Exception {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        ClusterCa other = TestPki.ca(tmp.resolve("other-ca"));
        try (TlsEchoServer impostor = new TlsEchoServer(TestPki.node(other, "node-a", tmp.resolve("fake-a")),
                FileClusterIdentity.serverParameters())) {
            assertThatThrownBy(() -> TlsEchoServer.exchange(nodeB.sslContext(), FileClusterIdentity.clientParameters(), impostor.port()))
                    .isInstanceOf(IOException.class);
        }
        // A genuine node, but its certificate names another address than the one dialled.
        ca.issueNode("node-c", List.of("10.9.9.9", "node-c.internal"), tmp.resolve("c"));
        try (TlsEchoServer elsewhere = new TlsEchoServer(FileClusterIdentity.load(tmp.resolve("c")),
                FileClusterIdentity.serverParameters())) {
            assertThatThrownBy(() -> TlsEchoServer.exchange(nodeB.sslContext(), FileClusterIdentity.clientParameters(), elsewhere.port()))
                    .isInstanceOf(IOException.class);
            // Only the host name check refused it: without it the chain is fine.
            assertThat(TlsEchoServer.exchange(nodeB.sslContext(), null, elsewhere.port())).isEqualTo("hello node-b from node-c (hi)");
        }
    }

    @Test
    void aRevokedNodeIsRefusedOnceTheNewListIsCopiedWithoutRestart() throws Exception {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        FileClusterIdentity nodeC = TestPki.node(ca, "node-c", tmp.resolve("c"));
        Path crlBefore = tmp.resolve("crl-before.pem");
        Files.copy(tmp.resolve("ca/crl.pem"), crlBefore);
        assertThat(TlsEchoServer.exchange(nodeB.sslContext(), null, server.port())).startsWith("hello node-b");

        assertThat(ca.revoke("node-b")).hasSize(1);
        Files.copy(tmp.resolve("ca/crl.pem"), tmp.resolve("a/crl.pem"), StandardCopyOption.REPLACE_EXISTING);
        server.accepted.clear();
        assertRefused(nodeB.sslContext(), null);
        assertThat(TlsEchoServer.exchange(nodeC.sslContext(), null, server.port())).startsWith("hello node-c");

        // Rolling the list back to the older one does not un-revoke.
        Files.copy(crlBefore, tmp.resolve("a/crl.pem"), StandardCopyOption.REPLACE_EXISTING);
        server.accepted.clear();
        assertRefused(nodeB.sslContext(), null);

        // A tampered list refuses everyone until it is fixed (fail closed)...
        byte[] crl = Files.readAllBytes(tmp.resolve("ca/crl.pem"));
        crl[crl.length / 2] ^= 1;
        Files.write(tmp.resolve("a/crl.pem"), crl);
        assertRefused(nodeC.sslContext(), null);
        // ...and the genuine one restores service.
        Files.copy(tmp.resolve("ca/crl.pem"), tmp.resolve("a/crl.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(TlsEchoServer.exchange(nodeC.sslContext(), null, server.port())).startsWith("hello node-c");

        // The revoked node's own bundle, with the new list, no longer loads.
        Files.copy(tmp.resolve("ca/crl.pem"), tmp.resolve("b/crl.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileClusterIdentity.load(tmp.resolve("b"))).hasMessageContaining("revoked");
    }

    @Test
    void aConnectionOpenedBeforeARevocationIsRefusedAtItsNextRequest() throws Exception {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        try (var socket = (javax.net.ssl.SSLSocket) nodeB.sslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            var out = new java.io.PrintWriter(socket.getOutputStream(), true);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
            out.println("first");
            assertThat(in.readLine()).isEqualTo("hello node-b from node-a (first)");

            ca.revoke("node-b");
            Files.copy(tmp.resolve("ca/crl.pem"), tmp.resolve("a/crl.pem"), StandardCopyOption.REPLACE_EXISTING);
            out.println("second");
            assertThat(in.readLine()).startsWith("refused: ").contains("revoked");
        }
    }

    @Test
    void nodesOfOneClusterShareTheStateKeyAndOthersCannotOpenIt() {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        byte[] sealed = nodeA.stateKey().encrypt("node-a state".getBytes(), "node-state".getBytes());
        assertThat(new String(nodeB.stateKey().decrypt(sealed, "node-state".getBytes()))).isEqualTo("node-a state");

        FileClusterIdentity stranger = TestPki.node(TestPki.ca(tmp.resolve("other-ca")), "node-a", tmp.resolve("x"));
        assertThatThrownBy(() -> stranger.stateKey().decrypt(sealed, "node-state".getBytes()))
                .isInstanceOf(dev.bastion.security.SecretBox.TamperedException.class);
    }
}
