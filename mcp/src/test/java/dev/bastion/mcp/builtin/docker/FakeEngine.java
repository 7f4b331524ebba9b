package dev.bastion.mcp.builtin.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A misbehaving Docker engine on a Unix socket: answers every request with one canned response (or never), and
 * records each request line, so tests can see what reached the socket.
 */
final class FakeEngine implements AutoCloseable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile byte[] response;

    FakeEngine(Path directory) throws IOException {
        socket = directory.resolve("fake-docker.sock");
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofVirtual().start(this::serve);
    }

    Path socket() {
        return socket;
    }

    List<String> requests() {
        return requests;
    }

    /** Every following request gets this answer; null: no answer at all (the connection stays open). */
    void answer(int status, String contentType, byte[] body) {
        if (body == null) {
            response = null;
            return;
        }
        String head = "HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes(body);
        response = bytes.toByteArray();
    }

    void answerJson(int status, String json) {
        answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private void serve() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().start(() -> handle(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void handle(SocketChannel client) {
        try (client) {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (!head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                buffer.clear();
                if (client.read(buffer) < 0) return;
                head.write(buffer.array(), 0, buffer.position());
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            requests.add(text.substring(0, text.indexOf("\r\n")));
            byte[] answer = response;
            if (answer == null) {
                Thread.sleep(60_000);
                return;
            }
            ByteBuffer out = ByteBuffer.wrap(answer);
            while (out.hasRemaining()) client.write(out);
        } catch (IOException | InterruptedException ignored) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        Files.deleteIfExists(socket);
    }
}
