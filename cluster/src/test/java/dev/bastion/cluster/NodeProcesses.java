package dev.bastion.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the tests and the bench that start real node processes share: launching them, free ports, their logs, polling. */
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

    /**
     * Starts a node: {@code mainClass} on this JVM's class path with the node's home, its certificates (home/cluster)
     * and its API port {@code ports[0]}; the environment is {@code env} plus the cluster settings for its node and
     * Hazelcast ports ({@code ports[1]}, {@code ports[2]}), {@code members}, and its home's name as its node name (its
     * own audit chain). Its output goes to home/node.log.
     */
    static Process launch(Class<?> mainClass, Path home, int[] ports, String members, Map<String, String> env,
                          String... jvmOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName(), home.toString(),
                home.resolve("cluster").toString(), Integer.toString(ports[0])));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve("node.log").toFile());
        pb.environment().putAll(env);
        pb.environment().put(ClusterSettings.ENV_CLUSTER, "on");
        pb.environment().put(ClusterSettings.ENV_MEMBERS, members);
        pb.environment().put(ClusterSettings.ENV_NODE_PORT, Integer.toString(ports[1]));
        pb.environment().put(ClusterSettings.ENV_CLUSTER_PORT, Integer.toString(ports[2]));
        pb.environment().put(ClusterSettings.ENV_NODE_ADDRESS, "127.0.0.1");
        pb.environment().put(ClusterSettings.ENV_NODE_NAME, home.getFileName().toString());
        return pb.start();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
