package dev.bastion.cli;

import dev.bastion.security.SecurityServices;
import dev.bastion.web.Passwords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Web passwords from the command line, and {@code serve} with the sign-in routes and a first admin password. */
class WebSignInCommandsTest {

    @TempDir
    Path home;

    private CliRun run(Object command, String... args) {
        return CliRun.run(home, command, args);
    }

    private static ByteArrayInputStream stdin(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passwordsComeFromStdinAtCreationAndWithPasswd() {
        UsersCommand.Create create = new UsersCommand.Create();
        create.stdin = stdin("first passphrase here\n");
        assertThat(run(create, "alice", "--password-stdin").exit()).isZero();
        Passwords passwords = Passwords.open(SecurityServices.open(home, Map.of()));
        assertThat(passwords.check("alice", "first passphrase here")).isPresent();

        UsersCommand.Passwd passwd = new UsersCommand.Passwd();
        passwd.stdin = stdin("second passphrase now\r\nignored line\n");
        CliRun changed = run(passwd, "alice");
        assertThat(changed.exit()).as(changed.err()).isZero();
        assertThat(changed.out()).doesNotContain("second passphrase");
        assertThat(passwords.check("alice", "first passphrase here")).isEmpty();
        assertThat(passwords.check("alice", "second passphrase now")).isPresent();

        UsersCommand.Create tooShort = new UsersCommand.Create();
        tooShort.stdin = stdin("short\n");
        CliRun refused = run(tooShort, "bob", "--password-stdin");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("characters").doesNotContain("short\n");
        assertThat(SecurityServices.open(home, Map.of()).users().find("bob")).as("no user without its password").isEmpty();

        UsersCommand.Passwd empty = new UsersCommand.Passwd();
        empty.stdin = stdin("");
        assertThat(run(empty, "alice").err()).contains("no password on stdin");
        UsersCommand.Passwd ghost = new UsersCommand.Passwd();
        ghost.stdin = stdin("a perfectly fine passphrase\n");
        assertThat(run(ghost, "ghost").exit()).isEqualTo(1);
    }

    @Test
    void theFirstServeWritesTheAdminPasswordOwnerOnlyAndItSignsIn() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString()));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(serve).setOut(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("--host", "127.0.0.1:0"));
        String url = null;
        for (int i = 0; i < 200 && url == null; i++) {
            Matcher m = Pattern.compile("listening on (https?://\\S+)").matcher(out.toString());
            if (m.find()) url = m.group(1);
            else Thread.sleep(50);
        }
        try {
            assertThat(url).as(out.toString()).isNotNull();
            Path file = home.resolve(Passwords.ADMIN_PASSWORD_FILE);
            assertThat(out.toString()).contains(file.toString());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            String password = Files.readString(file).strip();
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> signIn = client.send(HttpRequest.newBuilder(URI.create(url + "/web/api/sign-in"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"" + password + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
            String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            HttpResponse<String> tags = client.send(HttpRequest.newBuilder(URI.create(url + "/api/tags"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tags.statusCode()).isEqualTo(200);
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }
}
