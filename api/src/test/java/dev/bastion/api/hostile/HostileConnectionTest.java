package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.security.ApiKeyService;
import dev.bastion.security.UserService;
import dev.bastion.security.db.Database;
import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile connections and malformed HTTP against the real connector and security chain, over raw sockets. */
class HostileConnectionTest {

    private static final String HOST = "Host: 127.0.0.1\r\nConnection: close\r\n";

    @TempDir
    Path home;

    private Javalin app;

    private int start(SecurityConfig config) {
        Database db = Database.openHome(home);
        UserService users = new UserService(db);
        ApiKeyService keys = new ApiKeyService(db, users);
        SecurityFilterChain chain = new SecurityFilterChain(config.withBind("127.0.0.1", 0), keys, null);
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            chain.install(c);
            c.routes.get("/", ctx -> ctx.result("Bastion is running"), Access.OPEN);
            c.routes.get("/stream", ctx -> {
                OutputStream body = ctx.res().getOutputStream();
                for (int i = 0; i < 6; i++) {
                    body.write(("chunk " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    body.flush();
                    Thread.sleep(250);
                }
            }, Access.OPEN);
        }).start();
        return app.port();
    }

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    @Test
    void protocolErrorsAnswerJsonInTheApiShapeWithoutLeakingTheServer() throws Exception {
        int port = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofSeconds(5)));
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("ambiguous path", "GET /api/keys/..;/admin/users HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("encoded dot segment", "GET /api/%2e%2e/admin/users HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("encoded slash", "GET /api/keys%2f..%2fadmin HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("bad Host", "GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n");
        requests.put("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n");
        requests.put("bad URI encoding", "GET /api/%zz HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("header too large", "GET / HTTP/1.1\r\n" + HOST + "X-Pad: " + "p".repeat(8000) + "\r\n\r\n");
        requests.put("URI too long", "GET /" + "a".repeat(8000) + " HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("body too large", "POST /v1/chat/completions HTTP/1.1\r\n" + HOST + "Content-Length: 5000\r\n\r\n");
        requests.put("bad method", "G\u0001T / HTTP/1.1\r\n" + HOST + "\r\n");
        requests.put("bad version", "GET / HTTP/7.1\r\n" + HOST + "\r\n");
        requests.put("bad chunk", "POST /api/chat HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\nzz\r\n");
        requests.put("bad header line", "GET / HTTP/1.1\r\n" + HOST + "No colon here\r\n\r\n");
        for (var request : requests.entrySet()) {
            String response = raw(port, request.getValue());
            String head = response.substring(0, Math.max(0, response.indexOf("\r\n\r\n")));
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertThat(head).as(request.getKey()).matches("(?s)HTTP/1\\.1 [45]\\d\\d .*")
                    .containsIgnoringCase("\r\nContent-Type: application/json")
                    .doesNotContainIgnoringCase("\r\nServer:").doesNotContainIgnoringCase("jetty");
            JsonNode json = new ObjectMapper().readTree(body);
            JsonNode error = request.getValue().contains(" /v1/") ? json.get("error").get("message") : json.get("error");
            assertThat(error.isTextual()).as(request.getKey() + ": " + body).isTrue();
            assertThat(body).as(request.getKey()).doesNotContainIgnoringCase("jetty").doesNotContain("at org.", "Exception",
                    "<html", "..;");
        }
    }

    @Test
    void clientsTricklingHeadersAreCutAtTheHeaderDeadline() throws Exception {
        // Each header line restarts Jetty's 5 s idle timeout; only the 600 ms header deadline can end these.
        int port = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofSeconds(5))
                .withConnectionLimits(Duration.ofMillis(600), 64));
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            long started = System.nanoTime();
            Set<Socket> cut = new HashSet<>();
            for (int line = 0; cut.size() < slow.size() && elapsed(started).compareTo(Duration.ofSeconds(4)) < 0; line++) {
                for (Socket socket : slow) {
                    if (!cut.contains(socket) && (closedWithin(socket, 20) || !trickle(socket, "X-Slow-" + line + ": 1\r\n"))) {
                        cut.add(socket);
                    }
                }
                Thread.sleep(100);
            }
            assertThat(cut).as("slowloris connections cut").hasSize(slow.size());
            assertThat(elapsed(started)).isBetween(Duration.ofMillis(500), Duration.ofMillis(2500));
            assertThat(raw(port, "GET / HTTP/1.1\r\n" + HOST + "\r\n")).as("others are still served").startsWith("HTTP/1.1 200")
                    .doesNotContainIgnoringCase("\r\nServer:");
        } finally {
            for (Socket socket : slow) socket.close();
        }
    }

    @Test
    void theHeaderDeadlineNeitherCutsLongResponsesNorIdleKeptAliveConnections() throws Exception {
        int port = start(SecurityConfig.defaults().withLimits(1024, 4096, Duration.ofSeconds(5))
                .withConnectionLimits(Duration.ofMillis(300), 64));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            String streamed = exchange(socket, "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(streamed).startsWith("HTTP/1.1 200").contains("chunk 0", "chunk 5");
            Thread.sleep(800);
            assertThat(exchange(socket, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).startsWith("HTTP/1.1 200")
                    .endsWith("Bastion is running");
        }
    }

    @Test
    void oneAddressMayHoldOnlySoManyConnections() throws Exception {
        int port = start(SecurityConfig.defaults().withConnectionLimits(Duration.ofSeconds(10), 3));
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(5_000);
                held.add(socket);
                assertThat(exchange(socket, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).startsWith("HTTP/1.1 200");
            }
            try (Socket fourth = new Socket("127.0.0.1", port)) {
                assertThat(closedWithin(fourth, 2_000)).as("a connection over the cap is closed").isTrue();
            }
            held.removeFirst().close();
            Thread.sleep(200);
            assertThat(raw(port, "GET / HTTP/1.1\r\n" + HOST + "\r\n")).as("a freed slot can be used").startsWith("HTTP/1.1 200");
        } finally {
            for (Socket socket : held) socket.close();
        }
    }

    private static Duration elapsed(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Whether the server closed the connection within {@code millis} (end of stream or reset). */
    private static boolean closedWithin(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Sends one more header line; false if the connection is gone. */
    private static boolean trickle(Socket socket, String line) {
        try {
            socket.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** One request on a kept-alive connection; reads the head and a Content-Length or chunked body. */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        String head = readUntil(in, "\r\n\r\n");
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)Content-Length: (\\d+)").matcher(head);
        if (length.find()) {
            return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
        }
        return head + readUntil(in, "\r\n0\r\n\r\n");
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + text);
            text.append((char) b);
        }
        return text.toString();
    }

    /** Sends raw bytes on a new connection and reads the one response. */
    static String raw(int port, String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3_000);
            return exchange(socket, request);
        }
    }
}
