package dev.bastion.store;

/**
 * How a store treats encryption at rest.
 *
 * @param kek        the key that wraps blobs' data keys; null: encrypted blobs cannot be read or written
 * @param encryptAll the home's switch ({@code BASTION_ENCRYPT_MODELS=on}): every new blob is written encrypted
 */
public record StoreEncryption(KeyEncryptionKey kek, boolean encryptAll) {

    public static final StoreEncryption NONE = new StoreEncryption(null, false);

    public StoreEncryption {
        if (encryptAll && kek == null) throw new IllegalArgumentException("encrypting every blob needs a key");
    }
}
