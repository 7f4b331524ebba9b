package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import java.util.Optional;
import java.util.Set;

/**
 * A memory-mapped GGUF file (versions 2 and 3, little-endian): header, metadata key/values, tensor infos, then the
 * aligned data section. Everything is validated in {@link #open} before any tensor is reachable; every problem is a
 * {@link GgufException}. The caps below bound what a hostile file can make the reader allocate or loop over.
 * Thread-safe; segments from {@link #data} become invalid once the file is closed.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    public static final String ALIGNMENT_KEY = "general.alignment";
    public static final int DEFAULT_ALIGNMENT = 32;
    /** All metadata (keys, values and their framing) together, in file bytes. */
    public static final long MAX_METADATA_BYTES = 64L << 20;
    public static final int MAX_KEYS = 1 << 16;
    public static final int MAX_TENSORS = 1 << 16;
    public static final int MAX_STRING_BYTES = 1 << 20;
    public static final int MAX_KEY_BYTES = 1 << 16;
    public static final int MAX_TENSOR_NAME_BYTES = 256;
    public static final int MAX_DIMS = 4;
    /** Elements of an array, except the vocabulary arrays. */
    public static final int MAX_ARRAY_ITEMS = 1 << 24;
    /** String elements of an array other than a vocabulary array (each costs a Java object, not just its bytes). */
    public static final int MAX_STRING_ARRAY_ITEMS = 1 << 16;
    /**
     * Elements of the vocabulary arrays ({@code tokenizer.ggml.tokens/scores/token_type/merges}): 2^20, four times
     * the largest vocabularies published (about 262k tokens).
     */
    public static final int MAX_VOCABULARY_ITEMS = 1 << 20;
    public static final int MAX_ALIGNMENT = 1 << 16;
    static final Set<String> VOCABULARY_KEYS = Set.of("tokenizer.ggml.tokens", "tokenizer.ggml.scores",
            "tokenizer.ggml.token_type", "tokenizer.ggml.merges");

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensor> tensors;
    private final int alignment;
    private final long dataStart;
    private final MemorySegment dataSection;

    private GgufFile(Path path, Arena arena, int version, Map<String, GgufValue> metadata, Map<String, GgufTensor> tensors,
                     int alignment, long dataStart, MemorySegment dataSection) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataStart = dataStart;
        this.dataSection = dataSection;
    }

    /** Maps and validates {@code file}. */
    public static GgufFile open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Arena arena = Arena.ofShared();
            try {
                MemorySegment whole = channel.size() == 0 ? MemorySegment.ofArray(new byte[0])
                        : channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
                return parse(file, arena, whole);
            } catch (IOException | RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }
    }

    /**
     * Validates a GGUF file held in {@code whole} (mapped or decrypted into memory), named {@code file} in messages;
     * the returned file owns {@code arena} and closes it, also when validation fails.
     */
    public static GgufFile open(Path file, MemorySegment whole, Arena arena) throws IOException {
        try {
            return parse(file, arena, whole);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path file, Arena arena, MemorySegment whole) throws GgufException {
        GgufCursor in = new GgufCursor(file, whole);
        int magic = in.i32("magic");
        if (magic != MAGIC) throw new GgufException(file, "not a GGUF file (bad magic)");
        int version = in.i32("version");
        if (version == 0x0200_0000 || version == 0x0300_0000) {
            throw new GgufException(file, "big-endian GGUF files are not supported");
        }
        if (version != 2 && version != 3) {
            throw new GgufException(file, "GGUF version " + Integer.toUnsignedString(version) + " is not supported (2 and 3 are)");
        }
        long tensorCount = in.u64("tensor count");
        long keyCount = in.u64("metadata key count");
        if (Long.compareUnsigned(tensorCount, MAX_TENSORS) > 0) {
            throw new GgufException(file, "tensor count " + Long.toUnsignedString(tensorCount) + " exceeds the cap of " + MAX_TENSORS);
        }
        if (Long.compareUnsigned(keyCount, MAX_KEYS) > 0) {
            throw new GgufException(file, "metadata key count " + Long.toUnsignedString(keyCount) + " exceeds the cap of " + MAX_KEYS);
        }

        long metadataStart = in.position();
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < keyCount; i++) {
            String key = in.string("metadata key", MAX_KEY_BYTES);
            if (metadata.containsKey(key)) throw new GgufException(file, "duplicate metadata key " + GgufException.quote(key));
            GgufValue value = readValue(in, key);
            if (in.position() - metadataStart > MAX_METADATA_BYTES) {
                throw new GgufException(file, "metadata exceeds the cap of " + MAX_METADATA_BYTES + " bytes");
            }
            metadata.put(key, value);
        }
        int alignment = alignment(file, metadata.get(ALIGNMENT_KEY));

        List<GgufTensor> infos = new ArrayList<>((int) tensorCount);
        Set<String> names = new java.util.HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensor info = readTensorInfo(in, alignment);
            if (!names.add(info.name())) throw new GgufException(file, "duplicate tensor name " + GgufException.quote(info.name()));
            infos.add(info);
        }
        long dataStart = alignUp(in.position(), alignment);
        if (tensorCount > 0 && dataStart > whole.byteSize()) {
            throw new GgufException(file, "file ends before its data section (truncated)");
        }
        MemorySegment dataSection = whole.asSlice(Math.min(dataStart, whole.byteSize()));
        checkLayout(file, infos, dataSection.byteSize());
        Map<String, GgufTensor> byName = new LinkedHashMap<>();
        for (GgufTensor info : infos) byName.put(info.name(), info);
        return new GgufFile(file, arena, version, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(byName),
                alignment, dataStart, dataSection);
    }

    private static GgufValue readValue(GgufCursor in, String key) throws GgufException {
        GgufValueType type = in.valueType("type of " + GgufException.quote(key));
        if (type != GgufValueType.ARRAY) return new GgufValue(type, null, in.scalar(type, key));
        GgufValueType element = in.valueType("element type of " + GgufException.quote(key));
        if (element == GgufValueType.ARRAY) {
            throw new GgufException(in.file(), "metadata " + GgufException.quote(key) + ": nested arrays are not supported");
        }
        long count = in.u64("length of " + GgufException.quote(key));
        long cap = VOCABULARY_KEYS.contains(key) ? MAX_VOCABULARY_ITEMS
                : element == GgufValueType.STRING ? MAX_STRING_ARRAY_ITEMS : MAX_ARRAY_ITEMS;
        if (Long.compareUnsigned(count, cap) > 0) {
            throw new GgufException(in.file(), "metadata " + GgufException.quote(key) + ": array of "
                    + Long.toUnsignedString(count) + " items exceeds the cap of " + cap);
        }
        return new GgufValue(type, element, in.array(element, (int) count, key));
    }

    private static int alignment(Path file, GgufValue value) throws GgufException {
        if (value == null) return DEFAULT_ALIGNMENT;
        if (value.type() != GgufValueType.UINT32) {
            throw new GgufException(file, ALIGNMENT_KEY + " must be a UINT32, found " + value.type());
        }
        long a = (Long) value.value();
        if (a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw new GgufException(file, ALIGNMENT_KEY + " " + a + " is not a power of two up to " + MAX_ALIGNMENT);
        }
        return (int) a;
    }

    private static GgufTensor readTensorInfo(GgufCursor in, int alignment) throws GgufException {
        Path file = in.file();
        String name = in.string("tensor name", MAX_TENSOR_NAME_BYTES);
        String what = "tensor " + GgufException.quote(name);
        int nDims = in.i32("dimension count of " + what);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new GgufException(file, what + ": " + Integer.toUnsignedString(nDims) + " dimensions (1 to " + MAX_DIMS + " allowed)");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.u64("dimension of " + what);
            if (dims[d] <= 0) {
                throw new GgufException(file, what + ": dimension " + d + " is " + Long.toUnsignedString(dims[d]) + ", must be positive");
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw new GgufException(file, what + ": element count overflows");
            }
        }
        int typeId = in.i32("type of " + what);
        Optional<StorageType> type = GgmlType.storageType(Integer.toUnsignedLong(typeId));
        if (type.isEmpty()) {
            throw new GgufException(file, what + ": tensor type " + GgmlType.name(Integer.toUnsignedLong(typeId))
                    + " (id " + Integer.toUnsignedString(typeId) + ") is not supported");
        }
        StorageType storage = type.get();
        if (dims[0] % storage.blockSize() != 0) {
            throw new GgufException(file, what + ": rows of " + dims[0] + " elements do not fill whole " + storage
                    + " blocks of " + storage.blockSize());
        }
        long bytes;
        try {
            bytes = storage.bytesFor(elements);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new GgufException(file, what + ": byte size overflows");
        }
        long offset = in.u64("offset of " + what);
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufException(file, what + ": offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensor(name, storage, dims, offset, bytes);
    }

    /** Tensors lie inside the data section and do not overlap (gaps for alignment padding are allowed). */
    private static void checkLayout(Path file, List<GgufTensor> infos, long dataLength) throws GgufException {
        List<GgufTensor> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(GgufTensor::offset));
        long end = 0;
        String previous = null;
        for (GgufTensor t : sorted) {
            if (t.offset() > dataLength || t.byteLength() > dataLength - t.offset()) {
                throw new GgufException(file, "tensor " + GgufException.quote(t.name()) + ": bytes [" + t.offset() + ", "
                        + (t.offset() + t.byteLength()) + ") extend past the " + dataLength + "-byte data section");
            }
            if (t.offset() < end) {
                throw new GgufException(file, "tensor " + GgufException.quote(t.name()) + " overlaps tensor "
                        + GgufException.quote(previous));
            }
            end = t.offset() + t.byteLength();
            previous = t.name();
        }
    }

    static long alignUp(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Where the data section starts in the file. */
    public long dataStart() {
        return dataStart;
    }

    /** Every metadata key and value, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Every tensor, by name, in file order. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor's bytes, in place; read-only and valid until {@link #close()}. */
    public MemorySegment data(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(path.getFileName() + ": no tensor named " + GgufException.quote(name));
        return dataSection.asSlice(t.offset(), t.byteLength());
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + path.getFileName() + " (" + metadata.size() + " keys, " + tensors.size()
                + " tensors" + (tensors.isEmpty() ? "" : ": " + Arrays.toString(tensors.keySet().stream().limit(3).toArray())) + ")";
    }
}
