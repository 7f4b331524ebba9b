package dev.bastion.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes GGUF bytes field by field, with no checks, so tests can build any malformed file. */
final class RawGguf {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static RawGguf header(int version, long tensors, long keys) {
        return new RawGguf().i32(GgufFile.MAGIC).i32(version).u64(tensors).u64(keys);
    }

    RawGguf i32(int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    RawGguf u64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    RawGguf bytes(byte... b) {
        out.writeBytes(b);
        return this;
    }

    RawGguf string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return u64(utf8.length).bytes(utf8);
    }

    /** A key and a UINT32 value. */
    RawGguf u32Key(String key, int value) {
        return string(key).i32(GgufValueType.UINT32.id()).i32(value);
    }

    RawGguf stringKey(String key, String value) {
        return string(key).i32(GgufValueType.STRING.id()).string(value);
    }

    /** A tensor info: name, dims (ggml order), type id, offset. */
    RawGguf tensor(String name, long[] dims, int type, long offset) {
        string(name).i32(dims.length);
        for (long d : dims) u64(d);
        return i32(type).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    RawGguf align(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    RawGguf zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toBytes() {
        return out.toByteArray();
    }
}
