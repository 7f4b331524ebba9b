package dev.bastion.web;

import dev.bastion.security.Bootstrap;
import dev.bastion.security.SecureFiles;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import dev.bastion.security.UserService;
import dev.bastion.security.db.Database;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;

/** Users' passwords (Argon2id hashes in {@code user_passwords}); setting one revokes the user's sessions. */
public final class Passwords {

    public static final String ADMIN_PASSWORD_FILE = "admin.password";

    private final Database database;
    private final UserService users;
    private final Sessions sessions;
    private final Clock clock;
    private final PasswordHasher hasher = new PasswordHasher();
    /** Verified against when the user is unknown, so both failures cost the same time. */
    private final String decoy;

    public Passwords(Database database, UserService users, Sessions sessions, Clock clock) {
        this.database = database;
        this.users = users;
        this.sessions = sessions;
        this.clock = clock;
        this.decoy = hasher.hash("decoy password that matches nothing");
    }

    /** For the command line: the same store the server uses, with the default session lifetimes. */
    public static Passwords open(SecurityServices security) {
        Clock clock = Clock.systemUTC();
        return new Passwords(security.database(), security.users(),
                new Sessions(security.database(), clock, Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE), clock);
    }

    /**
     * First start: gives the bootstrap admin a random password and writes it, owner-only, next to its key file as
     * {@value #ADMIN_PASSWORD_FILE}. Returns that file.
     */
    public Path writeFirstAdminPassword(Path adminKeyFile) throws IOException {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        set(Bootstrap.ADMIN_USER, password);
        Path file = adminKeyFile.resolveSibling(ADMIN_PASSWORD_FILE);
        SecureFiles.writeNewOwnerOnly(file, (password + "\n").getBytes(StandardCharsets.US_ASCII));
        return file;
    }

    /** @throws IllegalArgumentException unless the password has an acceptable length */
    public static void requireAcceptable(String password) {
        if (password == null || password.length() < PasswordHasher.MIN_PASSWORD_CHARS
                || password.length() > PasswordHasher.MAX_PASSWORD_CHARS) {
            throw new IllegalArgumentException("a password has " + PasswordHasher.MIN_PASSWORD_CHARS + " to "
                    + PasswordHasher.MAX_PASSWORD_CHARS + " characters");
        }
    }

    /**
     * Why a user may not choose this password, if they may not: the length rule of {@link #requireAcceptable}, and
     * not their user name. No composition rules (NIST SP 800-63B): length is what makes a passphrase strong.
     */
    public static Optional<String> problemWith(String userName, String password) {
        try {
            requireAcceptable(password);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (password.strip().equalsIgnoreCase(userName)) return Optional.of("a password must not be the user name");
        return Optional.empty();
    }

    public void set(String userName, String password) {
        requireAcceptable(password);
        User user = users.find(userName).orElseThrow(() -> new IllegalArgumentException("no user '" + userName + "'"));
        String hash = hasher.hash(password);
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM user_passwords WHERE user_id = ?");
                 PreparedStatement insert = c.prepareStatement(
                         "INSERT INTO user_passwords (user_id, hash, changed_at) VALUES (?, ?, ?)")) {
                delete.setLong(1, user.id());
                delete.executeUpdate();
                insert.setLong(1, user.id());
                insert.setString(2, hash);
                insert.setLong(3, clock.millis());
                insert.executeUpdate();
                // a sign-in half done with the old password (waiting for its second factor) must not complete
                try (PreparedStatement pending = c.prepareStatement("DELETE FROM web_pending_sign_ins WHERE user_id = ?")) {
                    pending.setLong(1, user.id());
                    pending.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("setting the password of '" + userName + "' failed", e);
        }
        sessions.revokeAll(user.id());
    }

    /** The enabled user whose password this is; empty for an unknown user, a wrong password, or a disabled user. */
    public Optional<User> check(String userName, String password) {
        Optional<User> user = userName == null ? Optional.empty() : users.find(userName);
        String stored = user.flatMap(u -> storedHash(u.id())).orElse(null);
        boolean ok = hasher.verify(password, stored == null ? decoy : stored) && stored != null;
        return ok && !user.get().disabled() ? user : Optional.empty();
    }

    private Optional<String> storedHash(long userId) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT hash FROM user_passwords WHERE user_id = ?")) {
            s.setLong(1, userId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading a password failed", e);
        }
    }
}
