package dev.bastion.store;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The on-disk format of an encrypted blob: AES-256-GCM in chunks, so that blobs of any size stream in and out without
 * being buffered whole, and each chunk is authenticated before a byte of it is used.
 *
 * <pre>
 * header:  magic(8) "\x89BSTENC\x01" || chunk size(4, big-endian) || nonce prefix(8, random per blob)
 * chunk i: AES-GCM(data key, nonce = prefix || i (4, big-endian), aad = header || i (8) || final(1)) = ciphertext || tag(16)
 * </pre>
 *
 * Every chunk but the last holds exactly {@code chunk size} plaintext bytes; the last holds fewer (possibly none) and is
 * the only one sealed with the final flag. So a chunk moved, dropped, duplicated or cut off, a missing last chunk, or
 * bytes appended, all fail authentication or the length check, and the header cannot be altered either.
 */
final class BlobCipher {

    static final byte[] MAGIC = {(byte) 0x89, 'B', 'S', 'T', 'E', 'N', 'C', 1};
    static final int HEADER_BYTES = MAGIC.length + 4 + 8;
    static final int TAG_BYTES = 16;
    static final int DEFAULT_CHUNK = 1 << 20;
    /** Readers refuse headers claiming more: a chunk is buffered whole while it is authenticated. */
    static final int MAX_CHUNK = 16 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private BlobCipher() {}

    /** The plaintext length of an encrypted blob of {@code fileSize} bytes with {@code chunk}-byte chunks; -1 when no such blob exists. */
    static long plainSize(long fileSize, int chunk) {
        long body = fileSize - HEADER_BYTES;
        if (body < TAG_BYTES) return -1;
        long sealedChunk = (long) chunk + TAG_BYTES;
        long full = body / sealedChunk;
        long last = body % sealedChunk;
        if (last < TAG_BYTES) return -1; // the final, shorter chunk is missing: cut off at a chunk boundary
        return full * chunk + (last - TAG_BYTES);
    }

    /** Whether {@code header} (at least {@link #HEADER_BYTES}) starts like an encrypted blob. */
    static boolean hasMagic(byte[] header) {
        return header.length >= MAGIC.length && Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** A stream that encrypts what is written to it into {@code out}; {@link Encrypting#finish()} seals the last chunk. */
    static Encrypting encrypting(OutputStream out, SecretKey dataKey, int chunk) throws IOException {
        return new Encrypting(out, dataKey, chunk);
    }

    static final class Encrypting extends OutputStream {
        private final OutputStream out;
        private final SecretKey key;
        private final byte[] header;
        private final byte[] buffer;
        private final byte[] sealed;
        private final Cipher cipher;
        private int filled;
        private long index;
        private boolean finished;

        private Encrypting(OutputStream out, SecretKey key, int chunk) throws IOException {
            if (chunk <= 0 || chunk > MAX_CHUNK) throw new IllegalArgumentException("chunk size " + chunk);
            this.out = out;
            this.key = key;
            byte[] prefix = new byte[8];
            RANDOM.nextBytes(prefix);
            this.header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putInt(chunk).put(prefix).array();
            this.buffer = new byte[chunk];
            this.sealed = new byte[chunk + TAG_BYTES];
            this.cipher = gcm();
            out.write(header);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) throw new IOException("encrypted blob already finished");
            while (len > 0) {
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == buffer.length) seal(false); // a full chunk is never the last: the last is shorter
            }
        }

        /** Seals the last chunk (shorter than a full one, possibly empty); the underlying stream stays open. */
        void finish() throws IOException {
            if (finished) return;
            seal(true);
            finished = true;
            out.flush();
        }

        private void seal(boolean last) throws IOException {
            try {
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce(header, index)));
                cipher.updateAAD(aad(header, index, last));
                int n = cipher.doFinal(buffer, 0, filled, sealed, 0);
                out.write(sealed, 0, n);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM encryption failed", e);
            }
            index++;
            filled = 0;
        }

        @Override
        public void close() throws IOException {
            finish();
            out.close();
        }
    }

    /** The header of an encrypted blob, read and checked. */
    record Header(byte[] bytes, int chunk) {}

    static Header readHeader(FileChannel in, String what) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES);
        in.position(0);
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) throw new InvalidModelException(what + " is not an encrypted blob (too short for its header)");
        }
        byte[] bytes = buffer.array();
        if (!hasMagic(bytes)) throw new InvalidModelException(what + " is not an encrypted blob (bad magic)");
        int chunk = ByteBuffer.wrap(bytes, MAGIC.length, 4).getInt();
        if (chunk <= 0 || chunk > MAX_CHUNK) {
            throw new InvalidModelException(what + " is corrupt: its header claims chunks of " + chunk + " bytes");
        }
        return new Header(bytes, chunk);
    }

    /**
     * Decrypts the blob in {@code in} into {@code target}, which must be exactly its plaintext size (see
     * {@link #plainSize}); fails on the first chunk that does not authenticate.
     */
    static void decryptInto(FileChannel in, SecretKey key, MemorySegment target, String what) throws IOException {
        Header header = readHeader(in, what);
        long plain = plainSize(in.size(), header.chunk());
        if (plain < 0) throw truncated(what);
        if (plain != target.byteSize()) throw new InvalidModelException(what + " decrypts to " + plain + " bytes, expected " + target.byteSize());
        Cipher cipher = gcm();
        ByteBuffer sealed = ByteBuffer.allocate(header.chunk() + TAG_BYTES);
        long offset = 0;
        for (long index = 0; ; index++) {
            sealed.clear();
            int got = readUpTo(in, sealed);
            boolean last = got < sealed.capacity();
            if (got < TAG_BYTES) throw truncated(what);
            sealed.flip();
            ByteBuffer out = target.asSlice(offset, got - TAG_BYTES).asByteBuffer();
            open(cipher, key, header, index, last, sealed, out, what);
            offset += got - TAG_BYTES;
            if (last) break;
        }
        if (offset != target.byteSize() || in.position() != in.size()) throw truncated(what);
    }

    /** The plaintext from {@code offset} on, decrypted chunk by chunk as it is read. */
    static InputStream decrypting(FileChannel in, SecretKey key, long offset, String what) throws IOException {
        Header header = readHeader(in, what);
        long plain = plainSize(in.size(), header.chunk());
        if (plain < 0) throw truncated(what);
        if (offset < 0 || offset > plain) throw new IOException("offset " + offset + " is beyond the blob's " + plain + " bytes");
        long first = offset / header.chunk();
        in.position(HEADER_BYTES + first * (header.chunk() + (long) TAG_BYTES));
        return new Decrypting(in, key, header, first, (int) (offset % header.chunk()), what);
    }

    private static final class Decrypting extends InputStream {
        private final FileChannel in;
        private final SecretKey key;
        private final Header header;
        private final String what;
        private final Cipher cipher = gcm();
        private final ByteBuffer sealed;
        private final ByteBuffer plain;
        private long index;
        private boolean done;

        Decrypting(FileChannel in, SecretKey key, Header header, long first, int skip, String what) throws IOException {
            this.in = in;
            this.key = key;
            this.header = header;
            this.what = what;
            this.index = first;
            this.sealed = ByteBuffer.allocate(header.chunk() + TAG_BYTES);
            this.plain = ByteBuffer.allocate(header.chunk());
            plain.limit(0);
            if (skip > 0) {
                next();
                plain.position(Math.min(skip, plain.limit()));
            }
        }

        private boolean next() throws IOException {
            if (done) return false;
            sealed.clear();
            int got = readUpTo(in, sealed);
            boolean last = got < sealed.capacity();
            if (got < TAG_BYTES) throw truncated(what);
            sealed.flip();
            plain.clear();
            open(cipher, key, header, index++, last, sealed, plain, what);
            plain.flip();
            if (last) {
                done = true;
                if (in.position() != in.size()) throw truncated(what);
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (!plain.hasRemaining()) {
                if (!next()) return -1;
            }
            int n = Math.min(len, plain.remaining());
            plain.get(b, off, n);
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static void open(Cipher cipher, SecretKey key, Header header, long index, boolean last, ByteBuffer sealed,
                             ByteBuffer out, String what) throws IOException {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce(header.bytes(), index)));
            cipher.updateAAD(aad(header.bytes(), index, last));
            cipher.doFinal(sealed, out);
        } catch (AEADBadTagException e) {
            throw new InvalidModelException(what + ": chunk " + index + " failed authentication (tampered with, truncated"
                    + " or reordered)");
        } catch (GeneralSecurityException e) {
            throw new InvalidModelException(what + ": chunk " + index + " cannot be decrypted", e);
        }
    }

    private static InvalidModelException truncated(String what) {
        return new InvalidModelException(what + " is truncated or has bytes appended (its last chunk is missing or damaged)");
    }

    private static int readUpTo(FileChannel in, ByteBuffer buffer) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int n = in.read(buffer);
            if (n < 0) break;
            total += n;
        }
        return total;
    }

    private static byte[] nonce(byte[] header, long index) {
        if (index > 0xFFFF_FFFFL) throw new IllegalStateException("blob too large: more than 2^32 chunks");
        return ByteBuffer.allocate(12).put(header, MAGIC.length + 4, 8).putInt((int) index).array();
    }

    private static byte[] aad(byte[] header, long index, boolean last) {
        return ByteBuffer.allocate(HEADER_BYTES + 9).order(ByteOrder.BIG_ENDIAN).put(header).putLong(index)
                .put((byte) (last ? 1 : 0)).array();
    }

    private static Cipher gcm() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide AES/GCM", e);
        }
    }

}
