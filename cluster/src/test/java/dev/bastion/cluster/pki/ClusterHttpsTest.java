package dev.bastion.cluster.pki;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The identity as HTTP stacks use it, with their defaults: the JDK's HttpsServer configured with nothing but the
 * context, and the JDK HttpClient given nothing but the context (it verifies the host name by default).
 */
class ClusterHttpsTest {

    @TempDir
    Path tmp;

    private ClusterCa ca;
    private HttpsServer server;

    @BeforeEach
    void start() throws IOException {
        ca = TestPki.ca(tmp.resolve("ca"));
        server = serve(TestPki.node(ca, "node-a", tmp.resolve("a")));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static HttpsServer serve(FileClusterIdentity identity) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(identity.sslContext()));
        server.createContext("/", exchange -> {
            String answer;
            int status;
            try {
                answer = "hello " + identity.verifyPeer(((HttpsExchange) exchange).getSSLSession());
                status = 200;
            } catch (SSLPeerUnverifiedException e) {
                answer = "refused";
                status = 403;
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static HttpResponse<String> get(HttpClient client, HttpsServer server) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPeerCallsWithTheContextAloneOverTls13() throws Exception {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        try (HttpClient client = HttpClient.newBuilder().sslContext(nodeB.sslContext()).build()) {
            HttpResponse<String> response = get(client, server);
            assertThat(response.body()).isEqualTo("hello node-b");
            assertThat(response.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(nodeB.verifyPeer(response.sslSession().orElseThrow())).isEqualTo("node-a");
        }
    }

    @Test
    void aClientWithoutANodeCertificateGetsNoAnswer() throws Exception {
        try (HttpClient client = HttpClient.newBuilder()
                .sslContext(TestPki.rawContext(null, null, ca.certificate())).build()) {
            assertThatThrownBy(() -> get(client, server)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void theClientChecksTheAddressItDialledAgainstThePeersCertificate() throws Exception {
        FileClusterIdentity nodeB = TestPki.node(ca, "node-b", tmp.resolve("b"));
        ca.issueNode("node-c", List.of("10.9.9.9"), tmp.resolve("c"));
        HttpsServer elsewhere = serve(FileClusterIdentity.load(tmp.resolve("c")));
        try (HttpClient client = HttpClient.newBuilder().sslContext(nodeB.sslContext()).build()) {
            assertThatThrownBy(() -> get(client, elsewhere)).isInstanceOf(IOException.class)
                    .hasStackTraceContaining("No subject alternative names matching IP address 127.0.0.1");
        } finally {
            elsewhere.stop(0);
        }
    }
}
