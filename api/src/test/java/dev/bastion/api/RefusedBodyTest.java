package dev.bastion.api;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body refused before it is read (over the size limit) still gets its refusal to the client: the server reads what
 * the client sends, up to a bound, instead of closing while the client writes (the client then saw a reset, not the
 * 413). Over the bound, or when the client waits for 100-continue, nothing is read.
 */
class RefusedBodyTest extends FakeServerTest {

    private static final int LIMIT = 4096;

    @Test
    void aRefusedBodyIsReadSoTheConnectionKeepsServing() throws Exception {
        start(0, 1, LIMIT);
        try (Socket socket = connect()) {
            byte[] body = json(1 << 20);
            OutputStream out = socket.getOutputStream();
            out.write(head("POST /api/generate", "Content-Length: " + body.length));
            // in pieces, as a slow client sends it: the refusal must wait for the end, not cut it off
            for (int at = 0; at < body.length; at += 64 * 1024) {
                out.write(body, at, Math.min(64 * 1024, body.length - at));
                out.flush();
                Thread.sleep(2);
            }
            Reply refused = Reply.read(socket.getInputStream());
            assertThat(refused.status).isEqualTo(413);
            assertThat(refused.body).contains(LIMIT + " bytes");
            assertThat(refused.head.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");

            out.write(head("GET /api/tags", "Content-Length: 0"));
            out.flush();
            assertThat(Reply.read(socket.getInputStream()).status).as("the same connection serves the next request").isEqualTo(200);
        }
    }

    @Test
    void aBodyRefusedByAFilterBeforeAnyoneReadsItIsReadToo() throws Exception {
        start(0, 1, ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withModule(c -> c.routes.before(ctx -> {
            if (!ctx.path().equals("/")) throw new ApiException(401, "authentication required", null);
        })));
        try (Socket socket = connect()) {
            byte[] body = json(1 << 20);
            OutputStream out = socket.getOutputStream();
            out.write(head("POST /api/chat", "Content-Length: " + body.length));
            out.write(body);
            out.flush();
            assertThat(Reply.read(socket.getInputStream()).status).isEqualTo(401);
            out.write(head("GET /", "Content-Length: 0"));
            out.flush();
            assertThat(Reply.read(socket.getInputStream()).status).isEqualTo(200);
        }
    }

    @Test
    void aHugeDeclaredBodyIsRefusedAtOnceWithoutWaitingForIt() throws Exception {
        start(0, 1, LIMIT);
        try (Socket socket = connect()) {
            socket.getOutputStream().write(head("POST /api/generate", "Content-Length: " + (1L << 30)));
            socket.getOutputStream().write("{\"model\":\"tiny\"".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertThat(Reply.read(socket.getInputStream()).status).isEqualTo(413);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a declared gigabyte is not waited for").isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aClientWaitingFor100ContinueIsRefusedWithoutBeingAskedForItsBody() throws Exception {
        start(0, 1, LIMIT);
        try (Socket socket = connect()) {
            socket.getOutputStream().write(head("POST /api/generate", "Content-Length: " + (1 << 20), "Expect: 100-continue"));
            Reply reply = Reply.read(socket.getInputStream());
            assertThat(reply.status).as("a final answer, not 100 Continue").isEqualTo(413);
        }
    }

    @Test
    void aStockClientSendingALargeBodyGetsTheRefusalEveryTime() throws Exception {
        start(0, 1, LIMIT);
        HttpClient client = HttpClient.newHttpClient();
        byte[] body = json(3 << 20);
        for (int i = 0; i < 5; i++) {
            HttpRequest sized = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/generate"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> r = client.send(sized, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(413);
            assertThat(r.body()).contains(LIMIT + " bytes");
            HttpRequest chunked = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/chat"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
            assertThat(client.send(chunked, HttpResponse.BodyHandlers.ofString()).statusCode()).as("chunked attempt %d", i).isEqualTo(413);
        }
        assertThat(http.get("/api/tags").status()).isEqualTo(200);
    }

    private Socket connect() throws IOException {
        URI base = URI.create(server.baseUrl());
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static byte[] json(int size) {
        return ("{\"model\":\"tiny\",\"prompt\":\"" + "x".repeat(size) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] head(String requestLine, String... headers) {
        StringBuilder s = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
        for (String h : headers) s.append(h).append("\r\n");
        return s.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One HTTP/1.1 response read off a socket: its status line and headers, and a body sized or chunked. */
    private record Reply(int status, String head, String body) {
        static Reply read(InputStream in) throws IOException {
            String head = line(in, "\r\n\r\n") + "\r\n";
            int status = Integer.parseInt(head.substring(9, 12));
            String lower = head.toLowerCase(Locale.ROOT);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (lower.contains("transfer-encoding: chunked")) {
                for (int size; (size = Integer.parseInt(line(in, "\r\n").trim(), 16)) > 0; line(in, "\r\n")) body.write(in.readNBytes(size));
                line(in, "\r\n");
            } else {
                int at = lower.indexOf("content-length:");
                if (at >= 0) body.write(in.readNBytes(Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim())));
            }
            return new Reply(status, head, body.toString(StandardCharsets.UTF_8));
        }

        /** Bytes up to and without {@code end}. */
        private static String line(InputStream in, String end) throws IOException {
            StringBuilder s = new StringBuilder();
            for (int b; (b = in.read()) >= 0; ) {
                s.append((char) b);
                if (s.length() >= end.length() && s.lastIndexOf(end) == s.length() - end.length()) return s.substring(0, s.length() - end.length());
            }
            throw new IOException("the connection closed after: " + s);
        }
    }
}
