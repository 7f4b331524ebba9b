package dev.bastion.cli;

import dev.bastion.security.Principal;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityCommandsTest {

    @TempDir
    Path home;

    private CliRun run(Object command, String... args) {
        return CliRun.run(home, command, args);
    }

    private SecurityServices services() {
        return SecurityServices.open(home, Map.of());
    }

    @Test
    void createListAndDisableUsers() {
        assertThat(run(new UsersCommand(), "create", "alice").out()).contains("created user alice (user)");
        assertThat(run(new UsersCommand(), "create", "ops", "--role", "admin").exit()).isZero();
        CliRun duplicate = run(new UsersCommand(), "create", "alice");
        assertThat(duplicate.exit()).isEqualTo(1);
        assertThat(duplicate.err()).contains("alice", "already exists");
        assertThat(run(new UsersCommand(), "create", "x", "--role", "root").err()).contains("unknown role 'root'");

        assertThat(run(new UsersCommand(), "disable", "alice").exit()).isZero();
        String list = run(new UsersCommand(), "list").out();
        assertThat(list).containsPattern("alice\\s+user\\s+disabled").containsPattern("ops\\s+admin\\s+active");
        assertThat(run(new UsersCommand(), "disable", "ghost").exit()).isEqualTo(1);
    }

    @Test
    void keysArePrintedOnceWorkAndCanBeRevoked() {
        run(new UsersCommand(), "create", "alice");
        CliRun created = run(new KeysCommand(), "create", "--user", "alice", "--scope", "models:use,models:manage",
                "--expires", "30d", "--name", "laptop");
        assertThat(created.exit()).isZero();
        String key = created.out().trim();
        assertThat(key).matches("bst_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}");
        assertThat(created.err()).contains("shown only once");

        Principal principal = services().keys().authenticate(key).orElseThrow();
        assertThat(principal.scopes()).containsExactlyInAnyOrder(Scope.MODELS_USE, Scope.MODELS_MANAGE);
        assertThat(services().keys().find(principal.keyPrefix()).orElseThrow().expiresAt())
                .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));

        String list = run(new KeysCommand(), "list", "--user", "alice").out();
        assertThat(list).contains(principal.keyPrefix(), "laptop", "active").doesNotContain(key.substring(13));

        assertThat(run(new KeysCommand(), "revoke", principal.keyPrefix()).exit()).isZero();
        assertThat(services().keys().authenticate(key)).isEmpty();
        assertThat(run(new KeysCommand(), "revoke", principal.keyPrefix()).exit()).isEqualTo(1);
        assertThat(run(new KeysCommand(), "list").out()).contains("revoked");
    }

    @Test
    void userCannotBeGivenAdminKeyAndBadInputIsNamed() {
        run(new UsersCommand(), "create", "alice");
        CliRun admin = run(new KeysCommand(), "create", "--user", "alice", "--scope", "admin");
        assertThat(admin.exit()).isEqualTo(1);
        assertThat(admin.out()).isEmpty();
        assertThat(run(new KeysCommand(), "create", "--user", "alice", "--scope", "everything").err()).contains("everything");
        assertThat(run(new KeysCommand(), "create", "--user", "alice", "--expires", "soon").err()).contains("soon");
        assertThat(run(new KeysCommand(), "create", "--user", "nobody").err()).contains("nobody");
    }

    @Test
    void listingFromAnUnusableDatabasePrintsOnlyTheErrorNoHeader() throws Exception {
        Files.createDirectories(home.resolve("bastion.db"));
        for (CliRun listed : List.of(run(new UsersCommand(), "list"), run(new KeysCommand(), "list"))) {
            assertThat(listed.exit()).isEqualTo(1);
            assertThat(listed.out()).isEmpty();
            assertThat(listed.err()).startsWith("error: ").contains("bastion.db").doesNotContain("\tat ");
        }
    }

    @Test
    void expiryFormats() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(KeysCommand.parseExpiry("12h", now)).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
        assertThat(KeysCommand.parseExpiry("2027-01-31", now)).isEqualTo(Instant.parse("2027-01-31T00:00:00Z"));
        assertThatThrownBy(() -> KeysCommand.parseExpiry("-5d", now)).hasMessageContaining("-5d");
    }

    @Test
    void auditVerifyReportsCountOrFirstBadRecord() throws Exception {
        run(new UsersCommand(), "create", "alice");
        run(new UsersCommand(), "create", "bob");
        run(new UsersCommand(), "disable", "bob");
        CliRun ok = run(new AuditCommand(), "verify");
        assertThat(ok.exit()).isZero();
        assertThat(ok.out().trim()).isEqualTo("ok, 3 records");

        Path log = home.resolve("audit.log");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
        lines.set(1, lines.get(1).replace("\"bob\"", "\"eve\""));
        Files.write(log, lines);
        CliRun bad = run(new AuditCommand(), "verify");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("line 2", "seq 2");
    }

    @Test
    void auditVerifyNamesACutLogAndAMissingSecretAndCreatesNothing() throws Exception {
        run(new UsersCommand(), "create", "alice");
        run(new UsersCommand(), "create", "bob");
        Path log = home.resolve("audit.log");
        List<String> lines = Files.readAllLines(log);
        Files.write(log, lines.subList(0, 1));
        CliRun cut = run(new AuditCommand(), "verify");
        assertThat(cut.exit()).isEqualTo(1);
        assertThat(cut.err()).contains("ends at seq 1", "record 2 is missing");
        Files.delete(log);
        assertThat(run(new AuditCommand(), "verify").err()).contains("missing", "deleted");

        Files.write(log, lines);
        Path secret = home.resolve("secret.key");
        Files.delete(secret);
        CliRun noKey = run(new AuditCommand(), "verify");
        assertThat(noKey.exit()).isEqualTo(1);
        assertThat(noKey.err()).contains("server secret", "is missing", "nothing was created").doesNotContain("edited");
        assertThat(secret).doesNotExist();
    }

    @Test
    void aDisabledUserCanBeEnabledAgainAndItsUnrevokedKeysWorkAgain() {
        run(new UsersCommand(), "create", "alice");
        SecurityServices services = services();
        String kept = services.keys().create("alice", java.util.Set.of(Scope.MODELS_USE), null, null).secret();
        var revoked = services.keys().create("alice", java.util.Set.of(Scope.MODELS_USE), null, null);
        services.keys().revoke(revoked.key().prefix());

        assertThat(run(new UsersCommand(), "disable", "alice").exit()).isZero();
        assertThat(services.keys().authenticate(kept)).isEmpty();
        CliRun enabled = run(new UsersCommand(), "enable", "alice");
        assertThat(enabled.exit()).isZero();
        assertThat(enabled.out()).contains("enabled user alice; 1 active key(s) work again");
        assertThat(run(new UsersCommand(), "list").out()).containsPattern("alice\\s+user\\s+active");
        assertThat(services.keys().authenticate(kept)).isPresent();
        assertThat(services.keys().authenticate(revoked.secret())).as("revoked stays revoked").isEmpty();
        assertThat(services.verifyAudit().ok()).isTrue();
        assertThat(services.audit().file()).content().contains("\"action\":\"user.enable\"");

        CliRun ghost = run(new UsersCommand(), "enable", "ghost");
        assertThat(ghost.exit()).isEqualTo(1);
        assertThat(ghost.err()).contains("no user named 'ghost'");
    }
}
