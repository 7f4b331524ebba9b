package dev.bastion.cli;

import dev.bastion.credits.Accounts;
import dev.bastion.credits.Credits;
import dev.bastion.credits.Ledger;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.credits.LedgerVerifier;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code bastion serve} process killed with SIGKILL in the middle of metered generations: the reservations it
 * held are released when the next process starts, and no credit is lost or created.
 */
class CreditsCrashTest {

    private static final long GRANTED = 1_000_000;

    @TempDir
    Path home;
    @TempDir
    Path source;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void killServers() {
        servers.forEach(Process::destroyForcibly);
    }

    @Test
    void reservationsOfAKilledServerAreReleasedAtTheNextStart() throws Exception {
        ModelStore store = new ModelStore(home);
        // Big enough (8 layers of 512) that a generation of up to 4,096 tokens is still running when the server is killed.
        TinyModelSpec slow = new TinyModelSpec(512, 1376, 8, 8, 4, 0, DType.BF16, false, false, 1);
        store.importDirectory(TinyModelFixture.model(source.resolve("m"), Architecture.LLAMA, slow), ModelName.parse("tiny"), "alice");
        SecurityServices security = SecurityServices.open(home, Map.of());
        long alice = security.users().create("alice", Role.USER).id();
        String key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        try (Credits credits = credits(security)) {
            credits.ledger().grant(alice, GRANTED, "initial", "test", null);
        }

        int port = freePort();
        Process first = serve(port);
        HttpClient http = HttpClient.newHttpClient();
        List<InputStream> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/generate"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"prompt\":\"once upon a time\","
                            + "\"options\":{\"num_predict\":-1,\"num_ctx\":4096,\"temperature\":1}}")).build();
            InputStream body = http.send(request, HttpResponse.BodyHandlers.ofInputStream()).body();
            new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)).readLine(); // generating now
            streams.add(body);
        }
        first.destroyForcibly(); // SIGKILL: whatever is generating is never settled
        first.waitFor();
        for (InputStream s : streams) s.close();
        try (Credits credits = credits(security)) {
            assertThat(credits.ledger().openReservations(alice)).as("held by the dead process").isNotEmpty();
            assertThat(balanceAndSpent(credits, alice)).isEqualTo(GRANTED - reserved(credits, alice));
        }

        Process second = serve(port);
        try (Credits credits = credits(security)) {
            assertThat(credits.ledger().openReservations(null)).isEmpty();
            assertThat(balanceAndSpent(credits, alice)).as("nothing lost, nothing created").isEqualTo(GRANTED);
            LedgerVerifier.Report report = credits.ledger().verify();
            assertThat(report.problems()).isEmpty();
        }
        java.io.StringWriter verifyOut = new java.io.StringWriter();
        picocli.CommandLine verify = new picocli.CommandLine(new CreditsCommand());
        verify.setOut(new java.io.PrintWriter(verifyOut));
        assertThat(verify.execute("verify", "--home", home.toString())).as(verifyOut.toString()).isZero();
        assertThat(verifyOut.toString()).startsWith("ok:").contains(" 0 open reservation(s)");
        second.destroy();
        second.waitFor();
    }

    /** The user's balance plus what generations that ended before the kill were charged. */
    private static long balanceAndSpent(Credits credits, long user) {
        return credits.ledger().balanceOfUser(user) + credits.ledger().balance(Accounts.revenue("model:tiny:latest"));
    }

    private static long reserved(Credits credits, long user) {
        return credits.ledger().openReservations(user).stream().mapToLong(Ledger.OpenReservation::amount).sum();
    }

    private static Credits credits(SecurityServices security) {
        return new Credits(security.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC());
    }

    /** Starts {@code bastion serve} in a new JVM on this test's class path and waits until it answers. */
    private Process serve(int port) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                BastionCli.class.getName(), "serve", "--home", home.toString(), "--host", "127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(home.resolve("serve-" + servers.size() + ".log").toFile());
        pb.environment().put("BASTION_CREDITS", "on");
        Process process = pb.start();
        servers.add(process);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("bastion serve exited: " + Files.readString(
                    home.resolve("serve-" + (servers.size() - 1) + ".log")));
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return process;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("bastion serve did not start listening within 60 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
