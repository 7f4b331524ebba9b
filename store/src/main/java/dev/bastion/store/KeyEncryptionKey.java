package dev.bastion.store;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The key that wraps encrypted blobs' data keys, derived from the server secret with HKDF-SHA256; its {@code id} (a hash of the
 * key, not of the secret) is written beside each wrap, so a store can say "wrapped under another secret" rather than
 * "tampered with", and a rotation can tell which wraps are done.
 */
public final class KeyEncryptionKey {

    /** HKDF info the key is derived from the secret with: binds it to this one use of the secret. */
    public static final String PURPOSE = "bastion/model-blob-kek-v1";

    private final String id;
    private final SecretKey key;

    private KeyEncryptionKey(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
        byte[] hash = sha256(("bastion/kek-id-v1:").getBytes(StandardCharsets.US_ASCII), key);
        this.id = HexFormat.of().formatHex(hash, 0, 8);
    }

    /**
     * The key-encryption key itself: 32 bytes derived from a secret for this one use, as the server does with
     * HKDF-SHA256 and info {@link #PURPOSE} (the store never sees the secret itself).
     */
    public static KeyEncryptionKey of(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("the key-encryption key must be 32 bytes, got " + key.length);
        return new KeyEncryptionKey(key);
    }

    public String id() {
        return id;
    }

    SecretKey key() {
        return key;
    }

    @Override
    public String toString() {
        return "KeyEncryptionKey[" + id + "]";
    }

    private static byte[] sha256(byte[] a, byte[] b) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(a);
            return sha.digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide SHA-256", e);
        }
    }
}
