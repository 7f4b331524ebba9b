package dev.bastion.cli;

import dev.bastion.security.SecretBox;
import dev.bastion.security.SecureFiles;
import dev.bastion.store.KeyEncryptionKey;
import dev.bastion.store.StoreEncryption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The secret encrypted models' data keys are wrapped under: the server secret, until {@code bastion secret rotate}
 * installs a new one as {@code BASTION_HOME/models.key} (from then on that one). The key-encryption key is derived
 * from it with HKDF, never the secret itself handed to the store.
 */
final class ModelSecret {

    static final String MODELS_KEY_FILE = "models.key";
    /** The new secret {@code secret rotate} moves to: a file (base64 of 32 bytes), never a command-line argument. */
    static final String ENV_NEW_KEY_FILE = "BASTION_NEW_SECRET_KEY_FILE";
    /** {@code on}: every blob written to the store is encrypted. */
    static final String ENV_ENCRYPT = dev.bastion.security.EncryptionSwitch.ENV;

    private ModelSecret() {}

    /** Whether the home's switch is on ({@code on}, {@code true}, {@code 1}); anything else but off is an error. */
    static boolean encryptAll(Map<String, String> env) {
        return dev.bastion.security.EncryptionSwitch.on(env);
    }

    /**
     * The current secret: {@code models.key} after a rotation, else the server secret; empty when neither exists yet
     * (a fresh home; {@code create} then makes the server secret as the server would).
     */
    static Optional<SecretBox> current(Path home, Map<String, String> env) {
        Path rotated = home.resolve(MODELS_KEY_FILE);
        if (Files.exists(rotated)) return Optional.of(SecretBox.load(Map.of(SecretBox.ENV_KEY_FILE, rotated.toString()), home, false));
        try {
            return Optional.of(SecretBox.load(env, home, false));
        } catch (IllegalStateException missing) {
            return Optional.empty();
        }
    }

    static KeyEncryptionKey kek(SecretBox secret) {
        return KeyEncryptionKey.of(secret.hkdf(KeyEncryptionKey.PURPOSE));
    }

    /** How the home's store encrypts: with the current key when there is one, encrypting every blob when the switch is on. */
    static StoreEncryption encryption(Path home, Map<String, String> env, java.util.function.Supplier<SecretBox> create) {
        boolean all = encryptAll(env);
        Optional<SecretBox> secret = current(home, env);
        if (secret.isEmpty() && all) secret = Optional.of(create.get());
        return secret.map(s -> new StoreEncryption(kek(s), all)).orElse(StoreEncryption.NONE);
    }

    /** Reads the new secret of a rotation from the file {@value #ENV_NEW_KEY_FILE} names. */
    static byte[] readNew(Map<String, String> env) {
        String configured = env.get(ENV_NEW_KEY_FILE);
        if (configured == null || configured.isBlank()) {
            throw new IllegalArgumentException(ENV_NEW_KEY_FILE + " is not set: it names the file holding the new secret"
                    + " (base64 of 32 random bytes, e.g. from `head -c32 /dev/urandom | base64`)");
        }
        Path file = Path.of(configured);
        try {
            SecureFiles.refuseSymbolicLink(file);
            byte[] decoded = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (decoded.length != 32) throw new IllegalArgumentException("the new secret in " + file + " must decode to 32 bytes, got " + decoded.length);
            return decoded;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("the new secret")) throw e;
            throw new IllegalArgumentException("the new secret in " + file + " is not valid base64");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the new secret " + file + ": " + e.getMessage(), e);
        }
    }

    /** Installs {@code secret} as the models secret: written beside, synced, renamed over; owner-only. */
    static void install(Path home, byte[] secret) throws IOException {
        Path target = home.resolve(MODELS_KEY_FILE);
        Path temp = home.resolve(".tmp-" + MODELS_KEY_FILE + "-" + java.util.UUID.randomUUID());
        try {
            SecureFiles.writeNewOwnerOnly(temp, (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII));
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
