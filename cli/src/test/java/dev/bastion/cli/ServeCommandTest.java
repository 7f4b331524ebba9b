package dev.bastion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {

    @TempDir
    Path home;

    @Test
    void servesAnEmptyHomeAndPrintsWhereItListens() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString()));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(serve).setOut(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("--host", "127.0.0.1:0"));
        String url = null;
        for (int i = 0; i < 200 && url == null; i++) {
            Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(out.toString());
            if (m.find()) url = m.group(1);
            else Thread.sleep(50);
        }
        assertThat(url).as("output: " + out).isNotNull();
        assertThat(out.toString()).contains(home.toAbsolutePath().toString());
        try {
            HttpClient client = HttpClient.newHttpClient();
            var root = client.send(HttpRequest.newBuilder(URI.create(url + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(root.body()).isEqualTo("Bastion is running");
            var tags = client.send(HttpRequest.newBuilder(URI.create(url + "/api/tags")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tags.body()).isEqualTo("{\"models\":[]}");
            assertThat(Files.isDirectory(home.resolve("manifests"))).isTrue();
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void rejectsABadHostWithAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString())))
                .setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--host", "ftp://x:1")).isEqualTo(2);
        assertThat(err.toString()).contains("ftp://x:1");
    }

    @Test
    void aBusyPortIsAOneLineError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString())))
                    .setErr(new PrintWriter(err, true));
            assertThat(cli.execute("--host", "127.0.0.1:" + taken.getLocalPort())).isEqualTo(1);
            assertThat(err.toString()).startsWith("bastion serve: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void homeDefaultsToDotBastion() {
        assertThat(ServeCommand.home(Map.of())).isEqualTo(Path.of(System.getProperty("user.home"), ".bastion"));
        assertThat(ServeCommand.home(Map.of("BASTION_HOME", "/srv/b"))).isEqualTo(Path.of("/srv/b"));
    }
}
