package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then each tensor's bytes at an offset aligned to
 * {@code general.alignment} (32 unless that key is set). Used by tests, the bench and the quantizer to produce GGUF
 * files; it checks what it writes as the reader would, so it cannot produce a file {@link GgufFile} refuses.
 */
public final class GgufWriter {

    private record PendingTensor(String name, StorageType type, long[] shape, MemorySegment data) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    /** Adds a metadata key; keys are written in the order added. */
    public GgufWriter put(String key, GgufValue value) {
        if (metadata.putIfAbsent(key, value) != null) throw new IllegalArgumentException("duplicate metadata key " + key);
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            long a = value.type() == GgufValueType.UINT32 ? (Long) value.value() : -1;
            if (a <= 0 || a > GgufFile.MAX_ALIGNMENT || Long.bitCount(a) != 1) {
                metadata.remove(key);
                throw new IllegalArgumentException(key + " must be a UINT32 power of two up to " + GgufFile.MAX_ALIGNMENT);
            }
        }
        return this;
    }

    public GgufWriter put(String key, String value) {
        return put(key, GgufValue.of(value));
    }

    /**
     * Adds a tensor whose {@code data} is already laid out as {@code type} stores it.
     *
     * @param shape outermost dimension first (PyTorch order); the file stores it reversed, as ggml does
     */
    public GgufWriter tensor(String name, StorageType type, long[] shape, MemorySegment data) {
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate tensor " + name);
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) throw new IllegalArgumentException(name + ": 1 to 4 dimensions");
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException(name + ": dimensions must be positive: " + Arrays.toString(shape));
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[shape.length - 1] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": rows must fill whole " + type + " blocks");
        }
        if (data.byteSize() != type.bytesFor(elements)) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes given, " + Arrays.toString(shape)
                    + " of " + type + " needs " + type.bytesFor(elements));
        }
        tensors.put(name, new PendingTensor(name, type, shape.clone(), data));
        return this;
    }

    /** Adds an F32 tensor. */
    public GgufWriter tensor(String name, long[] shape, float[] values) {
        return tensor(name, StorageType.F32, shape, MemorySegment.ofArray(values.clone()));
    }

    public void write(Path file) throws IOException {
        int alignment = metadata.containsKey(GgufFile.ALIGNMENT_KEY)
                ? (int) (long) (Long) metadata.get(GgufFile.ALIGNMENT_KEY).value() : GgufFile.DEFAULT_ALIGNMENT;
        Header header = new Header();
        header.i32(GgufFile.MAGIC).i32(3).u64(tensors.size()).u64(metadata.size());
        metadata.forEach((key, value) -> {
            header.string(key);
            header.value(value);
        });
        List<Long> offsets = new ArrayList<>();
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            header.string(t.name).i32(t.shape.length);
            for (int d = t.shape.length - 1; d >= 0; d--) header.u64(t.shape[d]);
            header.i32(GgmlType.id(t.type)).u64(offset);
            offsets.add(offset);
            offset = GgufFile.alignUp(offset + t.data.byteSize(), alignment);
        }
        byte[] head = header.bytes();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, ByteBuffer.wrap(head));
            long dataStart = GgufFile.alignUp(head.length, alignment);
            writeFully(out, ByteBuffer.allocate((int) (dataStart - head.length)));
            int i = 0;
            for (PendingTensor t : tensors.values()) {
                long at = offsets.get(i++);
                long padding = dataStart + at - out.position();
                writeFully(out, ByteBuffer.allocate((int) padding));
                copy(t.data, out);
            }
            // Pads the last tensor too, so files concatenate cleanly and readers that map whole blocks stay in bounds.
            writeFully(out, ByteBuffer.allocate((int) (dataStart + offset - out.position())));
        }
    }

    private static void copy(MemorySegment data, FileChannel out) throws IOException {
        long chunk = 1 << 20;
        byte[] buffer = new byte[(int) Math.min(chunk, Math.max(1, data.byteSize()))];
        for (long at = 0; at < data.byteSize(); at += chunk) {
            int n = (int) Math.min(chunk, data.byteSize() - at);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, buffer, 0, n);
            writeFully(out, ByteBuffer.wrap(buffer, 0, n));
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }

    /** Little-endian header bytes. */
    private static final class Header {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Header i32(int v) {
            out.write(scratch.clear().putInt(v).array(), 0, 4);
            return this;
        }

        Header u64(long v) {
            out.write(scratch.clear().putLong(v).array(), 0, 8);
            return this;
        }

        Header string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        void value(GgufValue v) {
            i32(v.type().id());
            if (v.type() != GgufValueType.ARRAY) {
                scalar(v.type(), v.value());
                return;
            }
            i32(v.elementType().id());
            Object array = v.value();
            int n = java.lang.reflect.Array.getLength(array);
            u64(n);
            for (int i = 0; i < n; i++) element(v.elementType(), array, i);
        }

        private void element(GgufValueType type, Object array, int i) {
            switch (array) {
                case byte[] a -> out.write(a[i]);
                case short[] a -> out.write(scratch.clear().putShort(a[i]).array(), 0, 2);
                case int[] a -> i32(a[i]);
                case long[] a -> u64(a[i]);
                case float[] a -> i32(Float.floatToRawIntBits(a[i]));
                case double[] a -> u64(Double.doubleToRawLongBits(a[i]));
                case String[] a -> string(a[i]);
                default -> throw new IllegalStateException("array of " + type);
            }
        }

        private void scalar(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> out.write((int) (long) (Long) value);
                case BOOL -> out.write((Boolean) value ? 1 : 0);
                case UINT16, INT16 -> out.write(scratch.clear().putShort((short) (long) (Long) value).array(), 0, 2);
                case UINT32, INT32 -> i32((int) (long) (Long) value);
                case UINT64, INT64 -> u64((Long) value);
                case FLOAT32 -> i32(Float.floatToRawIntBits((Float) value));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) value));
                case STRING -> string((String) value);
                case ARRAY -> throw new IllegalStateException("nested array");
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
