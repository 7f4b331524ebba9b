package dev.bastion.security;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * Authenticated encryption under the server secret (AES-256-GCM). Sealed format:
 * {@code version(1) || nonce(12) || ciphertext+tag(16)}. The secret comes from {@code BASTION_SECRET_KEY} (base64 of
 * 32 bytes) or a key file ({@code BASTION_SECRET_KEY_FILE}, else {@code BASTION_HOME/secret.key}, created 0600) —
 * never from a config file, which tends to be shared and committed.
 */
public final class SecretBox {

    public static final String ENV_KEY = "BASTION_SECRET_KEY";
    public static final String ENV_KEY_FILE = "BASTION_SECRET_KEY_FILE";
    public static final String DEFAULT_KEY_FILE = "secret.key";
    private static final byte VERSION = 1;
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    public SecretBox(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("server secret must be 32 bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /** Loads the server secret from the environment or key file, creating {@code home/secret.key} if none exists. */
    public static SecretBox load(Map<String, String> env, Path home) {
        return load(env, home, true);
    }

    /**
     * Loads the server secret; without {@code createIfMissing}, a missing {@code home/secret.key} is an error (a
     * fresh key could not check or continue anything keyed with the old one).
     */
    public static SecretBox load(Map<String, String> env, Path home, boolean createIfMissing) {
        String inline = env.get(ENV_KEY);
        if (inline != null && !inline.isBlank()) {
            return new SecretBox(decodeKey(inline.trim(), ENV_KEY));
        }
        String configuredFile = env.get(ENV_KEY_FILE);
        Path file = configuredFile != null && !configuredFile.isBlank() ? Path.of(configuredFile) : home.resolve(DEFAULT_KEY_FILE);
        try {
            SecureFiles.refuseSymbolicLink(file);
            if (!Files.exists(file)) {
                if (configuredFile != null && !configuredFile.isBlank()) {
                    throw new IllegalStateException(ENV_KEY_FILE + " points to a missing file: " + file);
                }
                if (!createIfMissing) {
                    throw new IllegalStateException("the server secret " + file + " is missing (and "
                            + ENV_KEY + " is not set)");
                }
                byte[] fresh = new byte[KEY_BYTES];
                RANDOM.nextBytes(fresh);
                try {
                    SecureFiles.writeNewOwnerOnly(file, (Base64.getEncoder().encodeToString(fresh) + "\n")
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (java.nio.file.FileAlreadyExistsException createdConcurrently) {
                    // another process won the race and published a complete key: use that one
                }
            }
            return new SecretBox(decodeKey(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the server secret " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decodeKey(String base64, String source) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("server secret from " + source + " is not valid base64", e);
        }
        if (decoded.length != KEY_BYTES) {
            throw new IllegalArgumentException("server secret from " + source + " must decode to 32 bytes, got " + decoded.length);
        }
        return decoded;
    }

    public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aadWithVersion(associatedData));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public byte[] decrypt(byte[] box, byte[] associatedData) {
        if (box.length < 1 + NONCE_BYTES + TAG_BITS / 8) {
            throw new TamperedException("sealed data too short (" + box.length + " bytes)");
        }
        if (box[0] != VERSION) {
            throw new TamperedException("unknown sealed-data version " + box[0]);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 1, NONCE_BYTES));
            cipher.updateAAD(aadWithVersion(associatedData));
            return cipher.doFinal(box, 1 + NONCE_BYTES, box.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new TamperedException("sealed data failed authentication (tampered, wrong key or wrong associated data)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    public String encryptToString(String plaintext, String associatedData) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                encrypt(plaintext.getBytes(StandardCharsets.UTF_8), associatedData.getBytes(StandardCharsets.UTF_8)));
    }

    public String decryptString(String sealed, String associatedData) {
        byte[] box;
        try {
            box = Base64.getUrlDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            throw new TamperedException("sealed data is not valid base64url");
        }
        return new String(decrypt(box, associatedData.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** A purpose-bound subkey (HMAC-SHA256 of the purpose), e.g. for the audit chain, so one secret serves many uses. */
    public byte[] deriveKey(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(("bastion/" + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /**
     * A 32-byte key for one use of the secret, by HKDF-SHA256 (RFC 5869; salt "bastion", {@code info} naming the use):
     * e.g. the key that wraps encrypted models' data keys.
     */
    public byte[] hkdf(String info) {
        try {
            javax.crypto.KDF kdf = javax.crypto.KDF.getInstance("HKDF-SHA256");
            return kdf.deriveData(javax.crypto.spec.HKDFParameterSpec.ofExtract()
                    .addIKM(new SecretKeySpec(key.getEncoded(), "HKDF-IKM"))
                    .addSalt("bastion".getBytes(StandardCharsets.US_ASCII))
                    .thenExpand(info.getBytes(StandardCharsets.UTF_8), KEY_BYTES));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 unavailable", e);
        }
    }

    /** The version byte is authenticated too, so a downgrade to a future weaker format cannot be forged. */
    private static byte[] aadWithVersion(byte[] associatedData) {
        byte[] aad = associatedData == null ? new byte[0] : associatedData;
        byte[] result = Arrays.copyOf(new byte[] {VERSION}, 1 + aad.length);
        System.arraycopy(aad, 0, result, 1, aad.length);
        return result;
    }

    public static final class TamperedException extends RuntimeException {
        public TamperedException(String message) {
            super(message);
        }
    }
}
