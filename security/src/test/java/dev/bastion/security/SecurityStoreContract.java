package dev.bastion.security;

import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * User and key behaviour that must hold on every supported database: subclasses supply a fresh, empty one per test.
 */
abstract class SecurityStoreContract {

    @TempDir
    Path home;

    protected final MutableClock clock = MutableClock.of(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final List<byte[][]> comparisons = new ArrayList<>();
    protected DatabaseConfig config;
    protected Database db;
    protected UserService users;
    protected ApiKeyService keys;

    /** A new, empty database (never one an earlier call returned). */
    protected abstract DatabaseConfig freshDatabase();

    @BeforeEach
    void setUp() {
        config = freshDatabase();
        db = Database.open(config);
        users = new UserService(db, clock);
        keys = new ApiKeyService(db, users, clock, (a, b) -> {
            comparisons.add(new byte[][] {a, b});
            return MessageDigest.isEqual(a, b);
        });
        users.create("alice", Role.USER);
        users.create("root", Role.ADMIN);
    }

    @org.junit.jupiter.api.AfterEach
    void closeDatabase() {
        db.close(); // on PostgreSQL its pool's connections, which would otherwise pile up over the run
    }

    @Test
    void keyHasDocumentedFormatAndAuthenticatesToItsUser() {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, "laptop");

        assertThat(created.secret()).matches("bst_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}");
        assertThat(created.secret()).startsWith("bst_" + created.key().prefix() + "_");
        Principal p = keys.authenticate(created.secret()).orElseThrow();
        assertThat(p.userName()).isEqualTo("alice");
        assertThat(p.role()).isEqualTo(Role.USER);
        assertThat(p.scopes()).containsExactly(Scope.MODELS_USE);
        assertThat(p.keyPrefix()).isEqualTo(created.key().prefix());
        assertThat(p.isAdmin()).isFalse();
        assertThat(ApiKeyService.prefixOf(created.secret())).hasValue(created.key().prefix());
        assertThat(keys.find(created.key().prefix()).orElseThrow().lastUsedAt()).isEqualTo(clock.instant());
        assertThat(ApiKeyService.prefixOf("bst_short_x")).isEmpty();
    }

    @Test
    void malformedKeysAreRefused() {
        keys.create("alice", Set.of(Scope.MODELS_USE), null, null);
        for (String bad : new String[] {null, "", "bst_", "Bearer", "bst_abcdefgh_", "bst_abcdefgh_" + "é".repeat(43),
                "bst_abc\ndefg_" + "a".repeat(43), "x".repeat(10_000), "bst_abcdefgh_" + "a".repeat(44)}) {
            assertThat(keys.authenticate(bad)).as("key %s", bad).isEmpty();
        }
    }

    @Test
    void forgedSecretAndUnknownPrefixBothGoThroughConstantTimeCompare() {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, null);
        String forged = created.secret().substring(0, 13) + "A".repeat(43);
        String unknownPrefix = "bst_ZZZZZZZZ_" + created.secret().substring(13);

        assertThat(keys.authenticate(forged)).isEmpty();
        assertThat(keys.authenticate(unknownPrefix)).isEmpty();

        assertThat(comparisons).hasSize(2);
        assertThat(comparisons).allSatisfy(pair -> {
            assertThat(pair[0]).hasSize(32);
            assertThat(pair[1]).hasSize(32);
        });
    }

    @Test
    void expiredKeyIsRefused() {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), clock.instant().plus(Duration.ofDays(1)), null);
        assertThat(keys.authenticate(created.secret())).isPresent();
        clock.add(Duration.ofDays(1));
        assertThat(keys.authenticate(created.secret())).isEmpty();
    }

    @Test
    void revocationTakesEffectImmediately() {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, null);
        assertThat(keys.authenticate(created.secret())).isPresent();
        assertThat(keys.revoke(created.key().prefix())).isTrue();
        assertThat(keys.authenticate(created.secret())).isEmpty();
        assertThat(keys.revoke(created.key().prefix())).as("second revoke").isFalse();
        assertThat(keys.find(created.key().prefix()).orElseThrow().revokedAt()).isNotNull();
    }

    @Test
    void disabledUsersKeysStopWorking() {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, null);
        users.disable("alice");
        assertThat(keys.authenticate(created.secret())).isEmpty();
        assertThatThrownBy(() -> keys.create("alice", Set.of(Scope.MODELS_USE), null, null))
                .hasMessageContaining("alice").hasMessageContaining("disabled");
    }

    @Test
    void theLastActiveAdminCannotBeDisabled() {
        assertThatThrownBy(() -> users.disable("root")).hasMessageContaining("root").hasMessageContaining("last active admin");
        assertThat(users.find("root").orElseThrow().disabled()).isFalse();

        users.create("ops", Role.ADMIN);
        users.disable("root");
        assertThat(users.find("root").orElseThrow().disabled()).isTrue();
        assertThatThrownBy(() -> users.disable("ops")).hasMessageContaining("last active admin");
        users.disable("alice");
        assertThat(users.find("alice").orElseThrow().disabled()).as("plain users are unaffected").isTrue();
    }

    @Test
    void rolesChangeButTheLastActiveAdminStaysAdmin() {
        assertThatThrownBy(() -> users.setRole("root", Role.USER)).hasMessageContaining("last active admin");
        assertThat(users.find("root").orElseThrow().role()).isEqualTo(Role.ADMIN);
        assertThatThrownBy(() -> users.setRole("nobody", Role.ADMIN)).hasMessageContaining("nobody");

        users.setRole("alice", Role.ADMIN);
        assertThat(users.find("alice").orElseThrow().role()).isEqualTo(Role.ADMIN);
        users.setRole("root", Role.USER);
        assertThat(users.find("root").orElseThrow().role()).isEqualTo(Role.USER);
        users.setRole("alice", Role.ADMIN); // already admin: no change, no error
        assertThatThrownBy(() -> users.setRole("alice", Role.USER)).hasMessageContaining("last active admin");
    }

    @Test
    void aDemotedAdminsKeyLosesTheAdminScopeAtOnce() {
        users.create("ops", Role.ADMIN);
        CreatedKey key = keys.create("ops", Set.of(Scope.ADMIN, Scope.MODELS_USE), null, null);
        assertThat(keys.authenticate(key.secret()).orElseThrow().isAdmin()).isTrue();

        users.setRole("ops", Role.USER);
        Principal demoted = keys.authenticate(key.secret()).orElseThrow();
        assertThat(demoted.scopes()).containsExactly(Scope.MODELS_USE);
        assertThat(demoted.has(Scope.ADMIN)).isFalse();
    }

    @Test
    void plainUserCannotHoldAdminScope() {
        assertThatThrownBy(() -> keys.create("alice", Set.of(Scope.ADMIN), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alice");
    }

    @Test
    void userKeyCannotCreateAdminKeysOrKeysForOthers() {
        Principal alice = keys.authenticate(keys.create("alice", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE), null, null).secret()).orElseThrow();
        Principal root = keys.authenticate(keys.create("root", Role.ADMIN.grantableScopes(), null, null).secret()).orElseThrow();

        assertThatThrownBy(() -> keys.create(alice, "root", Set.of(Scope.ADMIN), null, null)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> keys.create(alice, "alice", Set.of(Scope.ADMIN), null, null)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> keys.create(alice, "root", Set.of(Scope.MODELS_USE), null, null)).isInstanceOf(AccessDeniedException.class);
        assertThat(keys.create(alice, "alice", Set.of(Scope.MODELS_USE), null, null).secret()).startsWith("bst_");
        assertThat(keys.create(root, "root", Set.of(Scope.ADMIN), null, null).key().scopes()).containsExactly(Scope.ADMIN);
    }

    @Test
    void anExpiringUserKeyCannotIssueAKeyThatOutlivesIt() {
        Instant expiry = clock.instant().plus(Duration.ofDays(1));
        Principal shortLived = keys.authenticate(keys.create("alice", Set.of(Scope.MODELS_USE), expiry, null).secret()).orElseThrow();

        assertThatThrownBy(() -> keys.create(shortLived, "alice", Set.of(Scope.MODELS_USE), null, null))
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("expire");
        assertThatThrownBy(() -> keys.create(shortLived, "alice", Set.of(Scope.MODELS_USE), expiry.plusSeconds(1), null))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(keys.create(shortLived, "alice", Set.of(Scope.MODELS_USE), expiry, null).key().expiresAt()).isEqualTo(expiry);

        Principal root = keys.authenticate(keys.create("root", Role.ADMIN.grantableScopes(), expiry, null).secret()).orElseThrow();
        assertThat(keys.create(root, "root", Set.of(Scope.ADMIN), null, null).key().expiresAt())
                .as("admins may issue any key").isNull();
    }

    @Test
    void listFiltersByUser() {
        keys.create("alice", Set.of(Scope.MODELS_USE), null, "a");
        keys.create("root", Set.of(Scope.ADMIN), null, "r");
        assertThat(keys.list("alice")).extracting(ApiKey::name).containsExactly("a");
        assertThat(keys.list(null)).hasSize(2);
    }

    @Test
    void bootstrapCreatesAdminKeyFileOwnerOnlyOnceOnly() throws Exception {
        Path fresh = home.resolve("fresh");
        try (Database db = Database.open(freshDatabase())) {
            UserService freshUsers = new UserService(db);
            ApiKeyService freshKeys = new ApiKeyService(db, freshUsers);

            Path keyFile = Bootstrap.ensureAdmin(freshUsers, freshKeys, fresh).orElseThrow();

            assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            Principal admin = freshKeys.authenticate(Files.readString(keyFile).trim()).orElseThrow();
            assertThat(admin.isAdmin()).isTrue();
            assertThat(admin.scopes()).containsExactlyInAnyOrderElementsOf(Scope.known());
            assertThat(Bootstrap.ensureAdmin(freshUsers, freshKeys, fresh)).isEmpty();
        }
    }

    @Test
    void userNamesAreValidated() {
        assertThatThrownBy(() -> users.create("bad name\n", Role.USER)).hasMessageContaining("invalid user name");
        // a user's name is their model namespace, so it must be one (and not the shared 'library')
        for (String notANamespace : List.of("Alice", "a..b", "library")) {
            assertThatThrownBy(() -> users.create(notANamespace, Role.USER)).as(notANamespace)
                    .hasMessageContaining("invalid user name").hasMessageContaining("model namespace");
        }
        assertThat(users.create("carol.b_2-x", Role.USER).name()).isEqualTo("carol.b_2-x");
        assertThatThrownBy(() -> users.create("alice", Role.USER)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> users.disable("nobody")).hasMessageContaining("nobody");
    }

    @Test
    void migrationsAreIdempotentOnSecondOpen() throws Exception {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, "kept");

        Database reopened = Database.open(config);

        UserService reopenedUsers = new UserService(reopened, clock);
        assertThat(reopenedUsers.list()).extracting(User::name).containsExactly("alice", "root");
        assertThat(new ApiKeyService(reopened, reopenedUsers).authenticate(created.secret())).isPresent();
        try (Connection c = reopened.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success = "
                     + (config.isSqlite() ? "1" : "TRUE") + " AND version IS NOT NULL")) {
            r.next();
            assertThat(r.getInt(1)).as("applied migrations").isEqualTo(3); // V1-V3
        }
    }

    @Test
    void userListIsInPlainNameOrderWhateverTheCollation() throws Exception {
        for (String name : List.of("bob", "a.z", "ab", "1x", "a-b")) {
            users.create(name, Role.USER);
        }
        // created before user names had to be lower case (model namespaces)
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO users (name, role, created_at, disabled) VALUES ('Carol', 'user', 0, 0)");
        }
        List<String> expected = new ArrayList<>(List.of("alice", "root", "bob", "Carol", "a.z", "ab", "1x", "a-b"));
        expected.sort(null);
        assertThat(users.list()).extracting(User::name).containsExactlyElementsOf(expected);
        assertThat(users.find("Alice")).as("names are case-sensitive").isEmpty();
    }

    @Test
    void keyNamesRoundTripAndOversizedOrControlNamesAreRefusedAlike() {
        String longest = "k".repeat(ApiKeyService.MAX_NAME_LENGTH);
        String hostile = "'); DELETE FROM users; -- clé 🔑";
        keys.create("alice", Set.of(Scope.MODELS_USE), null, longest);
        keys.create("alice", Set.of(Scope.MODELS_USE), null, hostile);

        assertThat(keys.list("alice")).extracting(ApiKey::name).containsExactly(longest, hostile);
        assertThat(users.list()).hasSize(2);
        for (String bad : List.of(longest + "k", "nul\u0000byte", "line\nbreak")) {
            assertThatThrownBy(() -> keys.create("alice", Set.of(Scope.MODELS_USE), null, bad))
                    .as("name %s", bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid key name").hasMessageContaining("128");
        }
        assertThat(keys.list("alice")).hasSize(2);
    }

    @Test
    void userRowsSurviveTheRoundTrip() {
        User carol = users.create("carol", Role.ADMIN);
        users.disable("carol");

        User stored = users.find("carol").orElseThrow();
        assertThat(stored.id()).isEqualTo(carol.id()).isNotEqualTo(users.find("alice").orElseThrow().id());
        assertThat(stored.role()).isEqualTo(Role.ADMIN);
        assertThat(stored.disabled()).isTrue();
        assertThat(stored.createdAt()).isEqualTo(clock.instant());
        assertThat(users.find("alice").orElseThrow().disabled()).isFalse();
    }
}
