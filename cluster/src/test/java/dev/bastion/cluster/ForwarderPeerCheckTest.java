package dev.bastion.cluster;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.FileClusterIdentity;
import dev.bastion.cluster.pki.TestPki;
import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forwarding side checks the serving peer per request, not only per connection: once its revocation list names
 * the peer, no request goes to it over a connection opened before, and an answer from another node than the one
 * placement chose is not passed on.
 */
class ForwarderPeerCheckTest {

    @TempDir
    Path dir;
    private HttpsServer peer;
    private Javalin front;
    private final AtomicInteger served = new AtomicInteger();

    @AfterEach
    void stop() {
        if (front != null) front.stop();
        if (peer != null) peer.stop(0);
    }

    @Test
    void aPeerRevokedWhileItsConnectionIsOpenGetsNoFurtherRequest() throws Exception {
        ClusterCa ca = TestPki.ca(dir.resolve("ca"));
        FileClusterIdentity a = TestPki.node(ca, "node-a", dir.resolve("a"));
        FileClusterIdentity b = TestPki.node(ca, "node-b", dir.resolve("b"));
        startPeer(b);
        startFront(new Forwarder(a));
        try (HttpClient client = HttpClient.newHttpClient()) {
            assertThat(send(client, "node-b").body()).contains("\"done\":true");
            assertThat(send(client, "node-b").statusCode()).isEqualTo(200);
            assertThat(served).as("both over the same pooled connection").hasValue(2);

            ca.revoke("node-b");
            Path staged = dir.resolve("a").resolve("crl.pem.new");
            Files.copy(ca.directory().resolve(ClusterCa.CRL), staged);
            Files.move(staged, dir.resolve("a").resolve(ClusterCa.CRL), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);

            HttpResponse<String> refused = send(client, "node-b");
            assertThat(refused.statusCode()).isEqualTo(502);
            assertThat(refused.body()).doesNotContain("done");
            assertThat(served).as("the revoked peer got nothing more").hasValue(2);
        }
    }

    @Test
    void anAnswerFromAnotherNodeThanTheChosenOneIsNotPassedOn() throws Exception {
        ClusterCa ca = TestPki.ca(dir.resolve("ca"));
        FileClusterIdentity a = TestPki.node(ca, "node-a", dir.resolve("a"));
        FileClusterIdentity b = TestPki.node(ca, "node-b", dir.resolve("b"));
        startPeer(b);
        startFront(new Forwarder(a));
        try (HttpClient client = HttpClient.newHttpClient()) {
            // placement chose node-c, but node-b (a valid cluster node) answers at that address
            HttpResponse<String> wrong = send(client, "node-c");
            assertThat(wrong.statusCode()).isEqualTo(502);
            assertThat(wrong.body()).doesNotContain("done");
            assertThat(send(client, "node-b").statusCode()).isEqualTo(200);
        }
    }

    /** A stand-in for the serving node's node port: mutual TLS under the cluster CA, one NDJSON answer. */
    private void startPeer(FileClusterIdentity identity) throws Exception {
        peer = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.setHttpsConfigurator(new HttpsConfigurator(identity.sslContext()) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(FileClusterIdentity.serverParameters());
            }
        });
        peer.createContext("/api/generate", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            byte[] body = "{\"response\":\"hi\",\"done\":true}\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-ndjson");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        peer.start();
    }

    /** The forwarding node's side: forwards to the peer as placement chose {@code ?node=}, 502 if it may not. */
    private void startFront(Forwarder forwarder) {
        String url = "https://127.0.0.1:" + peer.getAddress().getPort();
        front = Javalin.create(c -> c.routes.post("/api/generate", ctx -> {
            try {
                forwarder.forward(ctx, url, "/api/generate", ctx.bodyAsBytes(),
                        Map.of("Content-Type", "application/json"), new Forwarder.InFlight(ctx.queryParam("node")));
            } catch (Forwarder.Unreachable e) {
                ctx.status(502).result("unreachable");
            }
        })).start("127.0.0.1", 0);
    }

    private HttpResponse<String> send(HttpClient client, String node) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + "/api/generate?node=" + node))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
