package dev.bastion.cluster;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Sends one API request to a peer's node port over mutual TLS and streams its answer back to the client unchanged,
 * chunk by chunk as it arrives (NDJSON and server-sent events alike). A peer that fails mid-stream ends the client's
 * stream with an error in the stream's own format, since the status line has long been sent.
 */
final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    static final String FAILED_MID_STREAM = "the cluster node serving this request failed; the reply is incomplete";
    private static final byte[] NDJSON_ERROR = ("{\"error\":\"" + FAILED_MID_STREAM + "\"}\n").getBytes(StandardCharsets.UTF_8);
    private static final byte[] SSE_ERROR = ("data: {\"error\":{\"message\":\"" + FAILED_MID_STREAM
            + "\",\"type\":\"server_error\",\"code\":\"upstream_node_failed\"}}\n\n").getBytes(StandardCharsets.UTF_8);

    /** The peer could not be reached or answered nothing; nothing was sent to the client, so another node may try. */
    static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One forward in flight to {@code node}: when that node leaves the cluster (Hazelcast's failure detection, e.g. a
     * frozen process that still holds its connections open), {@link #abandon} ends the wait for it.
     */
    static final class InFlight {
        final String node;
        private final Thread thread = Thread.currentThread();
        private volatile boolean abandoned;

        InFlight(String node) {
            this.node = node;
        }

        void abandon() {
            abandoned = true;
            thread.interrupt();
        }

        /** Whether an interrupt was ours; if so it is consumed, so the client can still be told. */
        private boolean consumeAbandon() {
            if (abandoned) Thread.interrupted();
            return abandoned;
        }
    }

    private final ClusterIdentity identity;
    private HttpClient http;
    private Object revocations;

    Forwarder(ClusterIdentity identity) {
        this.identity = identity;
        this.revocations = identity.revocationGeneration();
        this.http = client(identity.sslContext());
    }

    private static HttpClient client(SSLContext mutualTls) {
        return HttpClient.newBuilder().sslContext(mutualTls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * The client to send with: a new one (new connections, each handshake checking the revocation list) when the list
     * changed since the pooled connections were opened, so a revoked peer gets no request over an old connection.
     */
    private synchronized HttpClient client() {
        Object now = identity.revocationGeneration();
        if (now != revocations) {
            LOG.info("the cluster revocation list changed; closing connections to peers");
            revocations = now;
            http.shutdown(); // requests in flight finish; idle connections are not reused
            http = client(identity.sslContext());
        }
        return http;
    }

    /**
     * @param headers what the peer must know besides the body (content type, request id, forwarded caller)
     * @throws Unreachable before anything was written to the client
     */
    void forward(Context ctx, String nodeUrl, String path, byte[] body, Map<String, String> headers, InFlight watch)
            throws Unreachable {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(nodeUrl + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<InputStream> response;
        try {
            response = client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            requirePeer(response, watch.node, nodeUrl);
        } catch (IOException e) {
            throw new Unreachable("node at " + nodeUrl + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            if (watch.consumeAbandon()) throw new Unreachable("node at " + nodeUrl + " left the cluster", e);
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
        String type = response.headers().firstValue("Content-Type").orElse("application/json");
        ctx.status(response.statusCode());
        ctx.contentType(type);
        response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
        boolean streamed = isStream(type);
        try (InputStream in = response.body()) {
            if (!streamed) {
                // a whole JSON answer: read it first, so a peer failing halfway becomes a clean 502
                byte[] whole;
                try {
                    whole = in.readAllBytes();
                } catch (IOException e) {
                    watch.consumeAbandon();
                    LOG.warn("node at {} failed while answering: {}", nodeUrl, e.toString());
                    throw new Unreachable("node at " + nodeUrl + " failed while answering", e);
                }
                ctx.result(whole);
                return;
            }
            OutputStream out = ctx.res().getOutputStream();
            byte[] buffer = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    watch.consumeAbandon();
                    LOG.warn("node at {} failed mid-stream: {}", nodeUrl, e.toString());
                    out.write(type.toLowerCase(Locale.ROOT).startsWith("text/event-stream") ? SSE_ERROR : NDJSON_ERROR);
                    out.flush();
                    return;
                }
                if (n < 0) break;
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException clientGone) {
            LOG.info("client left during a forwarded stream: {}", clientGone.toString());
        }
    }

    /**
     * The answer must come from the node placement chose, under a certificate that still passes now (CA, validity,
     * the revocation list on disk): checked per request, not only per connection, before anything reaches the client.
     */
    private void requirePeer(HttpResponse<InputStream> response, String node, String nodeUrl) throws Unreachable {
        String peer;
        try {
            SSLSession session = response.sslSession().orElseThrow(() -> new SSLPeerUnverifiedException("no TLS session"));
            peer = identity.verifyPeer(session);
        } catch (SSLPeerUnverifiedException e) {
            discard(response);
            throw new Unreachable("node at " + nodeUrl + " refused: " + e.getMessage(), e);
        }
        if (!peer.equals(node)) {
            discard(response);
            throw new Unreachable("node at " + nodeUrl + " is '" + peer + "', not '" + node + "'", null);
        }
    }

    private static void discard(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // the answer is not used either way
        }
    }

    static boolean isStream(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("application/x-ndjson") || t.startsWith("text/event-stream");
    }
}
