package dev.bastion.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** What the tests and the bench that start real node processes share: free ports, their logs, polling. */
final class NodeProcesses {

    private NodeProcesses() {
    }

    /** A file's text, or "" while it does not exist yet or cannot be read (a node still starting). */
    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Polls {@code condition} every 200 ms until it holds; fails naming {@code what} after {@code limit}. */
    static void await(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out waiting for: " + what);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
