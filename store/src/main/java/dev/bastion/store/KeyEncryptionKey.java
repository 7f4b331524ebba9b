package dev.bastion.store;

import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The key that wraps encrypted blobs' data keys, derived from a secret with HKDF-SHA256; its {@code id} (a hash of the
 * key, not of the secret) is written beside each wrap, so a store can say "wrapped under another secret" rather than
 * "tampered with", and a rotation can tell which wraps are done.
 */
public final class KeyEncryptionKey {

    /** HKDF info: binds the derived key to this one use of the secret. */
    static final String PURPOSE = "bastion/model-blob-kek-v1";

    private final String id;
    private final SecretKey key;

    private KeyEncryptionKey(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
        byte[] hash = sha256(("bastion/kek-id-v1:").getBytes(StandardCharsets.US_ASCII), key);
        this.id = HexFormat.of().formatHex(hash, 0, 8);
    }

    /** Derives the key from a 32-byte secret (the server secret, or the models secret after a rotation). */
    public static KeyEncryptionKey derive(byte[] secret) {
        if (secret.length != 32) throw new IllegalArgumentException("the secret must be 32 bytes, got " + secret.length);
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            SecretKey derived = hkdf.deriveKey("AES", HKDFParameterSpec.ofExtract()
                    .addIKM(new SecretKeySpec(secret, "HKDF-IKM"))
                    .addSalt("bastion".getBytes(StandardCharsets.US_ASCII))
                    .thenExpand(PURPOSE.getBytes(StandardCharsets.US_ASCII), 32));
            byte[] bytes = derived.getEncoded();
            try {
                return new KeyEncryptionKey(bytes);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide HKDF-SHA256", e);
        }
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
