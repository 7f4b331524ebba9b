package dev.bastion.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/** First start: with no users at all, creates user {@code admin} and an all-scope key in {@code admin.key}. */
public final class Bootstrap {

    public static final String ADMIN_USER = "admin";
    public static final String ADMIN_KEY_FILE = "admin.key";

    private Bootstrap() {
    }

    /** Returns the path of the written key file if this was the first start, else empty. */
    public static Optional<Path> ensureAdmin(UserService users, ApiKeyService keys, Path home) {
        if (!users.isEmpty()) {
            return Optional.empty();
        }
        Path keyFile = home.resolve(ADMIN_KEY_FILE);
        users.create(ADMIN_USER, Role.ADMIN);
        CreatedKey key = keys.create(ADMIN_USER, Role.ADMIN.grantableScopes(), null, "bootstrap");
        try {
            SecureFiles.writeNewOwnerOnly(keyFile, (key.secret() + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            keys.revoke(key.key().prefix());
            throw new UncheckedIOException("cannot write the first admin key to " + keyFile
                    + " (the key was revoked; remove the file and restart): " + e.getMessage(), e);
        }
        return Optional.of(keyFile);
    }
}
