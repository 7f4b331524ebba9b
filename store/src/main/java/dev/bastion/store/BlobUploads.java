package dev.bastion.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Files uploaded ahead of a create ({@code POST /api/blobs/sha256:…}, then {@code /api/create} with {@code files}), as
 * Ollama's clients upload a model: each kept under its verified SHA-256 in {@code uploads/}, apart from the model
 * blobs, so the store's garbage collection (which removes blobs no manifest references) leaves them until they are used.
 */
public final class BlobUploads {

    /** {@code sha256:<hex>} as Ollama names blobs; {@code sha256-<hex>} (its file name form) is accepted too. */
    private static final Pattern DIGEST = Pattern.compile("sha256[:-]([0-9a-f]{64})");

    private final Path dir;

    BlobUploads(Path dir) {
        this.dir = dir;
    }

    /** The 64 hex digits of a digest, or an exception naming the accepted form. */
    public static String hex(String digest) {
        Matcher m = digest == null ? null : DIGEST.matcher(digest);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid digest '" + ModelName.printable(String.valueOf(digest))
                    + "'; expected sha256:<64 lower-case hex digits>");
        }
        return m.group(1);
    }

    public boolean has(String digest) {
        return Files.isRegularFile(path(hex(digest)), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Stores {@code in} as {@code digest} if its SHA-256 is that digest and it holds at most {@code maxBytes}; returns its
     * size. Nothing is kept of a body that is over the cap or hashes to something else.
     *
     * @throws BlobTooLargeException over {@code maxBytes}
     * @throws IllegalArgumentException for a malformed digest, or content that does not match it
     */
    public long put(String digest, InputStream in, long maxBytes) throws IOException {
        String hex = hex(digest);
        StoreFiles.createPrivateDirectories(dir);
        Path temp = dir.resolve(StoreFiles.TEMP_PREFIX + UUID.randomUUID());
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                 var sink = Channels.newOutputStream(out);
                 DigestInputStream hashing = new DigestInputStream(in, sha)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = hashing.read(buffer)) > 0; ) {
                    size += n;
                    if (size > maxBytes) throw new BlobTooLargeException(maxBytes);
                    sink.write(buffer, 0, n);
                }
                out.force(true);
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(hex)) {
                throw new IllegalArgumentException("digest mismatch: the uploaded content is sha256:" + actual + ", not sha256:" + hex);
            }
            StoreFiles.makeReadOnly(temp);
            Files.move(temp, path(hex), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            StoreFiles.syncDirectory(dir);
            return size;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Moves the uploads {@code files} names (file name to digest) into a new directory under the upload area, named as
     * the model's files, for the store to import: an upload is consumed by the create that uses it (the store keeps
     * its own copy), so a model's weights are not kept twice. {@link #unstage} puts them back after a failed import.
     *
     * @throws InvalidModelException for an unknown digest or a file name that cannot be a model file
     */
    Staged stage(Map<String, String> files) throws IOException {
        Path stage = dir.resolve(StoreFiles.TEMP_PREFIX + "stage-" + UUID.randomUUID());
        StoreFiles.createPrivateDirectories(stage);
        Map<String, Path> moved = new java.util.LinkedHashMap<>();
        Staged staged = new Staged(stage, moved);
        try {
            for (Map.Entry<String, String> file : files.entrySet()) {
                String name = file.getKey();
                // the same grammar as a manifest layer's file name: no separators, no traversal
                new Layer(LayerType.CONFIG.mediaType(), "sha256:" + "0".repeat(64), 0, name);
                String hex;
                try {
                    hex = hex(file.getValue());
                } catch (IllegalArgumentException e) {
                    throw new InvalidModelException("file '" + ModelName.printable(name) + "': " + e.getMessage());
                }
                Path target = stage.resolve(name);
                if (moved.containsKey(hex)) {
                    Files.copy(moved.get(hex), target); // the same content under a second name
                } else if (Files.isRegularFile(path(hex), LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(path(hex), target, StandardCopyOption.ATOMIC_MOVE);
                    moved.put(hex, target);
                } else {
                    throw new InvalidModelException("file '" + ModelName.printable(name) + "': no uploaded blob sha256:" + hex
                            + " (upload it with POST /api/blobs/sha256:" + hex + ")");
                }
            }
            return staged;
        } catch (IOException | RuntimeException e) {
            unstage(staged);
            if (e instanceof IllegalArgumentException bad) throw new InvalidModelException(bad.getMessage());
            throw e;
        }
    }

    /** Uploads moved into a staging directory, by digest. */
    record Staged(Path dir, Map<String, Path> moved) {}

    /** Puts a failed import's uploads back and removes the staging directory. */
    void unstage(Staged staged) throws IOException {
        for (Map.Entry<String, Path> e : staged.moved().entrySet()) {
            if (Files.exists(e.getValue(), LinkOption.NOFOLLOW_LINKS)) {
                Files.move(e.getValue(), path(e.getKey()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        StoreFiles.deleteRecursively(staged.dir());
    }

    private Path path(String hex) {
        return dir.resolve("sha256-" + hex);
    }

    /** An upload over the size cap. */
    public static final class BlobTooLargeException extends IOException {
        public BlobTooLargeException(long maxBytes) {
            super("blob exceeds the limit of " + maxBytes + " bytes");
        }
    }
}
