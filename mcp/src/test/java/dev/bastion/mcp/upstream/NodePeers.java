package dev.bastion.mcp.upstream;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real upstream MCP servers from npm (src/test/node, installed with {@code npm ci} on first use, as api's client
 * tests do) and the test's own misbehaving peer.
 */
final class NodePeers {

    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    private NodePeers() {
    }

    static synchronized void install() throws IOException, InterruptedException {
        dev.bastion.engine.testing.NodePackages.install(NODE_DIR);
    }

    static List<String> everything(String mode) {
        return List.of("node", NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), mode);
    }

    static List<String> filesystem(Path allowed) {
        return List.of("node", NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js").toString(),
                allowed.toString());
    }

    static List<String> misbehaving() {
        return List.of("node", NODE_DIR.resolve("misbehaving-peer.mjs").toString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void awaitPort(int port, Process owner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!owner.isAlive()) throw new AssertionError("the peer exited with " + owner.exitValue());
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listened on port " + port);
    }
}
