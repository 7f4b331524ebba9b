package dev.bastion.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The data keys of encrypted blobs, each wrapped (AES-256-GCM, the blob's digest as associated data) under a
 * {@link KeyEncryptionKey}, one small file per blob in {@code keys/}: beside the blobs, not in them, so a new secret
 * re-wraps them without a blob being rewritten. A file may hold wraps under several keys while a rotation runs.
 */
final class BlobKeys {

    static final int VERSION = 1;
    private static final int MAX_KEY_FILE = 64 * 1024;
    private static final int NONCE = 12;
    private static final java.util.regex.Pattern KEY_FILE = java.util.regex.Pattern.compile("sha256-[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    BlobKeys(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** A fresh random AES-256 data key. */
    static SecretKey newDataKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new SecretKeySpec(bytes, "AES");
    }

    boolean exists(String blobFileName) {
        return Files.isRegularFile(file(blobFileName), LinkOption.NOFOLLOW_LINKS);
    }

    Path file(String blobFileName) {
        return dir.resolve(blobFileName);
    }

    /** Writes the key file of a new blob: {@code dataKey} wrapped under {@code kek}. Atomic and synced. */
    void write(String blobFileName, String digest, SecretKey dataKey, KeyEncryptionKey kek) throws IOException {
        writeWraps(blobFileName, digest, Map.of(kek.id(), wrap(dataKey, digest, kek)));
    }

    /**
     * The blob's data key, unwrapped with {@code kek}.
     *
     * @throws InvalidModelException naming what is wrong: no key file, wrapped under another secret, or tampered with
     */
    SecretKey unwrap(String blobFileName, String digest, KeyEncryptionKey kek) throws IOException {
        Map<String, byte[]> wraps = readWraps(blobFileName, digest);
        byte[] sealed = wraps.get(kek.id());
        if (sealed == null) {
            throw new InvalidModelException("the data key of blob " + blobFileName + " is wrapped under another secret"
                    + " (key id " + String.join(", ", wraps.keySet()) + "; this server's is " + kek.id() + "): wrong server secret");
        }
        return unseal(sealed, digest, kek, blobFileName);
    }

    /** Adds a wrap under {@code to} to the blob's key file (unwrapping with {@code from}); a file that has one already is left as it is. */
    boolean addWrap(String blobFileName, String digest, KeyEncryptionKey from, KeyEncryptionKey to) throws IOException {
        Map<String, byte[]> wraps = readWraps(blobFileName, digest);
        if (wraps.containsKey(to.id())) return false;
        SecretKey dataKey = unwrap(blobFileName, digest, from);
        Map<String, byte[]> updated = new LinkedHashMap<>(wraps);
        updated.put(to.id(), wrap(dataKey, digest, to));
        writeWraps(blobFileName, digest, updated);
        return true;
    }

    /** Drops every wrap but the one under {@code keep}, once that one unwraps; false when it has none (left as it is). */
    boolean keepOnly(String blobFileName, String digest, KeyEncryptionKey keep) throws IOException {
        Map<String, byte[]> wraps = readWraps(blobFileName, digest);
        if (!wraps.containsKey(keep.id())) return false;
        if (wraps.size() == 1) return true;
        byte[] sealed = wraps.get(keep.id());
        unseal(sealed, digest, keep, blobFileName); // never drop the others for a wrap that does not open
        writeWraps(blobFileName, digest, Map.of(keep.id(), sealed));
        return true;
    }

    /** Names of the key files (each a blob's file name). */
    List<String> names() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> KEY_FILE.matcher(n).matches()).sorted().toList();
        }
    }

    private Map<String, byte[]> readWraps(String blobFileName, String digest) throws IOException {
        Path file = file(blobFileName);
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_KEY_FILE) throw new InvalidModelException("the key file of blob " + blobFileName + " is oversized");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("the key file of encrypted blob " + blobFileName + " is missing");
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || root.path("version").asInt() != VERSION || !digest.equals(root.path("digest").asText())
                    || !root.path("wraps").isArray()) {
                throw new IllegalArgumentException("unexpected content");
            }
            Map<String, byte[]> wraps = new LinkedHashMap<>();
            for (JsonNode wrap : root.get("wraps")) {
                wraps.put(wrap.path("kek").asText(), Base64.getDecoder().decode(wrap.path("sealed").asText()));
            }
            return wraps;
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidModelException("the key file of blob " + blobFileName + " is corrupt");
        }
    }

    private void writeWraps(String blobFileName, String digest, Map<String, byte[]> wraps) throws IOException {
        StoreFiles.createPrivateDirectories(dir);
        ObjectNode root = JSON.createObjectNode().put("version", VERSION).put("digest", digest);
        ArrayNode list = root.putArray("wraps");
        for (Map.Entry<String, byte[]> wrap : wraps.entrySet()) {
            list.addObject().put("kek", wrap.getKey()).put("sealed", Base64.getEncoder().encodeToString(wrap.getValue()));
        }
        StoreFiles.writeAtomically(file(blobFileName), JSON.writeValueAsBytes(root));
        StoreFiles.syncDirectory(dir);
    }

    private static byte[] wrap(SecretKey dataKey, String digest, KeyEncryptionKey kek) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, kek.key(), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad(digest));
            byte[] sealed = cipher.doFinal(dataKey.getEncoded());
            return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key wrap failed", e);
        }
    }

    private static SecretKey unseal(byte[] sealed, String digest, KeyEncryptionKey kek, String blobFileName) throws IOException {
        if (sealed.length != NONCE + 32 + 16) throw new InvalidModelException("the key file of blob " + blobFileName + " is corrupt");
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, kek.key(), new GCMParameterSpec(128, sealed, 0, NONCE));
            cipher.updateAAD(aad(digest));
            return new SecretKeySpec(cipher.doFinal(sealed, NONCE, sealed.length - NONCE), "AES");
        } catch (AEADBadTagException e) {
            throw new InvalidModelException("the data key of blob " + blobFileName + " does not unwrap (key file tampered with)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key unwrap failed", e);
        }
    }

    private static byte[] aad(String digest) {
        return ("bastion/blob-key-v1:" + digest).getBytes(StandardCharsets.US_ASCII);
    }
}
