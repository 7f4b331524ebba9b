package dev.bastion.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.SecretKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chunked format on its own: round trips at every boundary, and hostile edits to the ciphertext. */
class BlobCipherTest {

    static final int CHUNK = 1024;
    static final int SEALED = CHUNK + BlobCipher.TAG_BYTES;

    @TempDir
    Path tmp;
    final SecretKey key = BlobKeys.newDataKey();

    @Test
    void roundTripsEverySizeAroundChunkBoundaries() throws IOException {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7}) {
            byte[] plain = random(size, size);
            Path file = encrypt(plain);
            assertThat(BlobCipher.plainSize(Files.size(file), CHUNK)).isEqualTo(size);
            assertThat(decryptWhole(file, size)).as("size %d", size).isEqualTo(plain);
            assertThat(readStream(file, 0)).isEqualTo(plain);
            // a reader resuming mid-blob (registry range) gets exactly the rest
            for (long offset : new long[] {0, size / 2, Math.max(0, size - 1), size}) {
                assertThat(readStream(file, offset)).as("size %d from %d", size, offset)
                        .isEqualTo(Arrays.copyOfRange(plain, (int) offset, size));
            }
        }
    }

    @Test
    void ciphertextHoldsNoPlaintextAndTwoEncryptionsDiffer() throws IOException {
        byte[] plain = new byte[4 * CHUNK];
        Arrays.fill(plain, (byte) 'A'); // the most recognisable plaintext there is
        byte[] a = Files.readAllBytes(encrypt(plain));
        byte[] b = Files.readAllBytes(encrypt(plain));
        assertThat(indexOf(a, Arrays.copyOf(plain, 32))).isEqualTo(-1);
        assertThat(a).isNotEqualTo(b); // random nonce prefix per blob
    }

    @Test
    void aFlippedByteAnywhereFailsAuthentication() throws IOException {
        byte[] plain = random(3 * CHUNK + 100, 1);
        byte[] sealed = Files.readAllBytes(encrypt(plain));
        for (int position : new int[] {BlobCipher.HEADER_BYTES, BlobCipher.HEADER_BYTES + SEALED + 5,
                sealed.length - 1, BlobCipher.MAGIC.length + 4 + 2 /* nonce prefix in the header */}) {
            byte[] bad = sealed.clone();
            bad[position] ^= 0x01;
            Path file = write(bad);
            assertThatThrownBy(() -> decryptWhole(file, plain.length)).as("byte %d", position)
                    .isInstanceOf(InvalidModelException.class).hasMessageContaining("failed authentication");
            assertThatThrownBy(() -> readStream(file, 0)).isInstanceOf(InvalidModelException.class);
        }
    }

    @Test
    void reorderedDroppedTruncatedOrExtendedChunksFail() throws IOException {
        byte[] plain = random(3 * CHUNK + 100, 2);
        byte[] sealed = Files.readAllBytes(encrypt(plain));
        int h = BlobCipher.HEADER_BYTES;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, h + SEALED, swapped, h, SEALED);
        System.arraycopy(sealed, h, swapped, h + SEALED, SEALED);
        byte[] dropped = concat(Arrays.copyOf(sealed, h + SEALED), Arrays.copyOfRange(sealed, h + 2 * SEALED, sealed.length));
        byte[] cutAtBoundary = Arrays.copyOf(sealed, h + 3 * SEALED); // the short last chunk gone: looks like a multiple
        byte[] lastChunkShortened = Arrays.copyOf(sealed, sealed.length - 10);
        byte[] appended = concat(sealed, new byte[SEALED]);
        byte[] lastReplayed = concat(Arrays.copyOf(sealed, h + 3 * SEALED), Arrays.copyOfRange(sealed, h, h + 100 + 16));
        for (byte[] bad : new byte[][] {swapped, dropped, cutAtBoundary, lastChunkShortened, appended, lastReplayed}) {
            Path file = write(bad);
            long size = Math.max(0, BlobCipher.plainSize(bad.length, CHUNK));
            assertThatThrownBy(() -> decryptWhole(file, size)).isInstanceOf(InvalidModelException.class);
            assertThatThrownBy(() -> readStream(file, 0)).isInstanceOf(InvalidModelException.class);
        }
    }

    @Test
    void anotherKeyOrAForgedHeaderIsRefused() throws IOException {
        byte[] plain = random(2 * CHUNK, 3);
        Path file = encrypt(plain);
        SecretKey other = BlobKeys.newDataKey();
        try (FileChannel in = FileChannel.open(file); Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> BlobCipher.decryptInto(in, other, arena.allocate(plain.length), "blob x"))
                    .isInstanceOf(InvalidModelException.class).hasMessageContaining("blob x: chunk 0 failed authentication");
        }
        byte[] hugeChunk = Files.readAllBytes(file);
        hugeChunk[BlobCipher.MAGIC.length] = 0x7f; // claims chunks of ~2 GB: refused before anything is allocated
        Path forged = write(hugeChunk);
        assertThatThrownBy(() -> readStream(forged, 0)).isInstanceOf(InvalidModelException.class).hasMessageContaining("claims chunks");
        assertThatThrownBy(() -> readStream(write("plain text, no header".getBytes()), 0))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("not an encrypted blob");
    }

    private Path encrypt(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BlobCipher.Encrypting encrypting = BlobCipher.encrypting(out, key, CHUNK);
        // odd-sized writes, so chunks fill across calls
        for (int i = 0; i < plain.length; i += 333) encrypting.write(plain, i, Math.min(333, plain.length - i));
        encrypting.finish();
        return write(out.toByteArray());
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(tmp, "blob", "");
        Files.write(file, bytes);
        return file;
    }

    private byte[] decryptWhole(Path file, long size) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(Math.max(size, 0));
            BlobCipher.decryptInto(in, key, target, "blob");
            return target.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private byte[] readStream(Path file, long offset) throws IOException {
        try (InputStream in = BlobCipher.decrypting(FileChannel.open(file, StandardOpenOption.READ), key, offset, "blob")) {
            return in.readAllBytes();
        }
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
