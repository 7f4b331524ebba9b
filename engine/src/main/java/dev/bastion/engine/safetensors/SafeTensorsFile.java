package dev.bastion.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A memory-mapped SafeTensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON header,
 * then the data section. The whole layout is validated in {@link #open} before any tensor is accessible.
 * Instances are thread-safe; segments returned by {@link #data} become invalid once the file is closed.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** Largest header accepted, checked before anything is allocated (the official library allows 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Java arrays cannot quite reach Integer.MAX_VALUE elements on every VM. */
    static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final String METADATA_KEY = "__metadata__";
    private static final Set<String> TENSOR_FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final ValueLayout.OfLong HEADER_LENGTH = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF_LAYOUT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment dataSection;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment dataSection,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.dataSection = dataSection;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code file}; throws {@link SafeTensorsException} for any malformed content. */
    public static SafeTensorsFile open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long fileSize = channel.size();
                whole = fileSize == 0 ? MemorySegment.ofArray(new byte[0]) : channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
            }
            return parse(file, arena, whole);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Validates a SafeTensors file held in {@code whole} (mapped or decrypted into memory), named {@code file} in
     * messages; the returned file owns {@code arena} and closes it, also when validation fails.
     */
    public static SafeTensorsFile open(Path file, MemorySegment whole, Arena arena) throws IOException {
        try {
            return parse(file, arena, whole);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static SafeTensorsFile parse(Path file, Arena arena, MemorySegment whole) throws IOException {
        long fileSize = whole.byteSize();
        if (fileSize < Long.BYTES) {
            throw new SafeTensorsException(file, "file is " + fileSize + " bytes, too short for the 8-byte header length");
        }
        long headerLength = whole.get(HEADER_LENGTH, 0);
        // Unsigned comparison: a u64 length with the top bit set is a huge claim, not a negative one.
        if (Long.compareUnsigned(headerLength, fileSize - Long.BYTES) > 0) {
            throw new SafeTensorsException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the " + (fileSize - Long.BYTES) + " bytes after the length field");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafeTensorsException(file, "header length " + headerLength
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] header = whole.asSlice(Long.BYTES, headerLength).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment dataSection = whole.asSlice(Long.BYTES + headerLength);
        Header parsed = parseHeader(file, header, dataSection.byteSize());
        return new SafeTensorsFile(file, arena, dataSection, parsed.tensors, parsed.metadata);
    }

    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    private static Header parseHeader(Path file, byte[] header, long dataLength) throws SafeTensorsException {
        if (header.length == 0 || header[0] != '{') {
            throw new SafeTensorsException(file, "header does not start with '{'");
        }
        JsonNode root = Json.parse(file, "header", header);
        if (!root.isObject()) throw new SafeTensorsException(file, "header is not a JSON object");

        Map<String, String> metadata = Map.of();
        List<TensorInfo> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                entries.add(parseTensor(file, field.getKey(), field.getValue()));
            }
        }
        return new Header(checkLayout(file, entries, dataLength), metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafeTensorsException {
        if (!node.isObject()) throw new SafeTensorsException(file, METADATA_KEY + " is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new SafeTensorsException(file, METADATA_KEY + " value for " + SafeTensorsException.quote(entry.getKey())
                        + " is not a string: " + Json.describe(entry.getValue()));
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node) throws SafeTensorsException {
        if (!node.isObject()) throw SafeTensorsException.forTensor(file, name, "entry is not a JSON object");
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!TENSOR_FIELDS.contains(field.getKey())) {
                throw SafeTensorsException.forTensor(file, name, "unexpected field " + SafeTensorsException.quote(field.getKey()));
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw SafeTensorsException.forTensor(file, name, "dtype is missing or not a string");
        }
        DType dtype;
        try {
            dtype = DType.fromName(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw SafeTensorsException.forTensor(file, name, e.getMessage());
        }
        long[] shape = nonNegativeLongs(file, name, "shape", node.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, name, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw SafeTensorsException.forTensor(file, name, "data_offsets end " + end + " is before begin " + begin);
        }
        long byteLength;
        try {
            byteLength = Math.multiplyExact(TensorInfo.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw SafeTensorsException.forTensor(file, name, "shape " + Arrays.toString(shape) + " overflows the byte size");
        }
        if (byteLength != end - begin) {
            throw SafeTensorsException.forTensor(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + byteLength + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, byteLength);
    }

    /** @param expectedLength required array length, or -1 for any */
    private static long[] nonNegativeLongs(Path file, String tensor, String field, JsonNode node, int expectedLength)
            throws SafeTensorsException {
        if (node == null || !node.isArray()) {
            throw SafeTensorsException.forTensor(file, tensor, field + " is missing or not an array");
        }
        if (expectedLength >= 0 && node.size() != expectedLength) {
            throw SafeTensorsException.forTensor(file, tensor, field + " has " + node.size() + " entries, expected " + expectedLength);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.longValue() < 0) {
                throw SafeTensorsException.forTensor(file, tensor, field + "[" + i + "] is " + Json.describe(item)
                        + ", not a non-negative integer");
            }
            values[i] = item.longValue();
        }
        return values;
    }

    /** The tensors must tile the data section exactly, in offset order: no overlap, no gap, nothing left over. */
    private static Map<String, TensorInfo> checkLayout(Path file, List<TensorInfo> entries, long dataLength)
            throws SafeTensorsException {
        entries.sort(Comparator.comparingLong(TensorInfo::dataOffset)
                .thenComparingLong(info -> info.dataOffset() + info.byteLength()));
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        long expectedBegin = 0;
        String previous = null;
        for (TensorInfo info : entries) {
            long begin = info.dataOffset();
            long end = begin + info.byteLength();
            if (end > dataLength) {
                throw SafeTensorsException.forTensor(file, info.name(), "data_offsets [" + begin + ", " + end
                        + "] extend past the " + dataLength + "-byte data section");
            }
            if (begin < expectedBegin) {
                throw SafeTensorsException.forTensor(file, info.name(), "data_offsets [" + begin + ", " + end
                        + "] overlap tensor " + SafeTensorsException.quote(previous) + " which ends at " + expectedBegin);
            }
            if (begin > expectedBegin) {
                throw SafeTensorsException.forTensor(file, info.name(), "data_offsets begin " + begin
                        + " leaves uncovered bytes " + expectedBegin + ".." + begin + " in the data section");
            }
            byName.put(info.name(), info);
            expectedBegin = end;
            previous = info.name();
        }
        if (expectedBegin != dataLength) {
            throw new SafeTensorsException(file, "tensors cover " + expectedBegin + " bytes but the data section has "
                    + dataLength + " (uncovered trailing bytes)");
        }
        return Collections.unmodifiableMap(byName);
    }

    public Path path() {
        return path;
    }

    /** All tensors, in the order their data appears in the file. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The string map stored under {@code __metadata__}; empty if absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor's raw little-endian bytes, without copying; read-only and valid until {@link #close()}. */
    public MemorySegment data(String name) {
        TensorInfo info = info(name);
        return dataSection.asSlice(info.dataOffset(), info.byteLength());
    }

    /** The tensor's values converted to float, whatever its dtype. */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long count = info.elementCount();
        if (count > MAX_ARRAY_ELEMENTS) {
            throw new IllegalStateException(path + ": tensor " + SafeTensorsException.quote(name) + " has " + count
                    + " elements, too many for a float[]; use data() instead");
        }
        return toFloats(dataSection.asSlice(info.dataOffset(), info.byteLength()), info.dtype(), (int) count);
    }

    private static float[] toFloats(MemorySegment bytes, DType dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case F32 -> MemorySegment.copy(bytes, F32_LAYOUT, 0, out, 0, count);
            case F16 -> {
                for (int i = 0; i < count; i++) out[i] = Dtypes.f16ToFloat(bytes.getAtIndex(HALF_LAYOUT, i));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) out[i] = Dtypes.bf16ToFloat(bytes.getAtIndex(HALF_LAYOUT, i));
            }
        }
        return out;
    }

    /** @throws IllegalArgumentException naming the tensor if the file has none of that name */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) throw new IllegalArgumentException(path + ": no tensor named " + SafeTensorsException.quote(name));
        return info;
    }

    /** Unmaps the file; idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
