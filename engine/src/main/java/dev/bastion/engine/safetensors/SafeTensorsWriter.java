package dev.bastion.engine.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes SafeTensors files from float values, converting to the requested dtype. Files appear atomically:
 * they are written to a temporary file in the target directory, synced, then renamed.
 * <pre>{@code
 * SafeTensorsWriter.builder()
 *     .add("w", DType.BF16, new long[] {2, 3}, values)
 *     .metadata("format", "pt")
 *     .write(path);
 * }</pre>
 */
public final class SafeTensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, float[] values) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensorsWriter() {}

    public static SafeTensorsWriter builder() {
        return new SafeTensorsWriter();
    }

    /** Adds a tensor; {@code values} are in row-major order and copied now. */
    public SafeTensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        if (name.equals("__metadata__")) throw new IllegalArgumentException("tensor name __metadata__ is reserved");
        if (entries.containsKey(name)) throw new IllegalArgumentException("tensor \"" + name + "\" added twice");
        long count;
        try {
            count = TensorInfo.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " overflows");
        }
        if (Arrays.stream(shape).anyMatch(dim -> dim < 0) || count != values.length) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape)
                    + " does not match " + values.length + " values");
        }
        entries.put(name, new Entry(name, dtype, shape.clone(), values.clone()));
        return this;
    }

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Writes all tensors and the metadata to {@code file}, replacing it atomically. */
    public void write(Path file) throws IOException {
        writeFile(file, List.copyOf(entries.values()));
    }

    /**
     * Splits the tensors, in insertion order, over {@code shards} files named
     * {@code model-0000i-of-0000n.safetensors} in {@code dir}, and writes {@code model.safetensors.index.json}.
     * Each shard carries the metadata.
     */
    public void writeSharded(Path dir, int shards) throws IOException {
        List<Entry> all = List.copyOf(entries.values());
        if (shards < 1 || shards > Math.max(1, all.size())) {
            throw new IllegalArgumentException("cannot split " + all.size() + " tensors into " + shards + " shards");
        }
        Files.createDirectories(dir);
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalSize = 0;
        for (int shard = 0; shard < shards; shard++) {
            List<Entry> part = all.subList(all.size() * shard / shards, all.size() * (shard + 1) / shards);
            String shardName = "model-%05d-of-%05d.safetensors".formatted(shard + 1, shards);
            writeFile(dir.resolve(shardName), part);
            for (Entry entry : part) {
                weightMap.put(entry.name, shardName);
                totalSize += byteLength(entry);
            }
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", totalSize));
        index.put("weight_map", weightMap);
        writeAtomically(dir.resolve(WeightSet.INDEX_FILE), List.of(ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(index))));
    }

    private void writeFile(Path file, List<Entry> tensors) throws IOException {
        List<ByteBuffer> chunks = new ArrayList<>();
        byte[] header = header(tensors);
        chunks.add(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
        chunks.add(ByteBuffer.wrap(header));
        for (Entry entry : tensors) chunks.add(encode(entry));
        writeAtomically(file, chunks);
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes so the data section stays aligned. */
    private byte[] header(List<Entry> tensors) throws JsonProcessingException {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) json.put("__metadata__", metadata);
        long offset = 0;
        for (Entry entry : tensors) {
            long end = offset + byteLength(entry);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", entry.dtype.name());
            info.put("shape", entry.shape);
            info.put("data_offsets", new long[] {offset, end});
            json.put(entry.name, info);
            offset = end;
        }
        String text = Json.MAPPER.writeValueAsString(json);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) & ~7;
        return (text + " ".repeat(padded - utf8.length)).getBytes(StandardCharsets.UTF_8);
    }

    private static long byteLength(Entry entry) {
        return (long) entry.values.length * entry.dtype.byteSize();
    }

    private static ByteBuffer encode(Entry entry) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(byteLength(entry))).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : entry.values) {
            switch (entry.dtype) {
                case F32 -> buffer.putFloat(value);
                case F16 -> buffer.putShort(Dtypes.floatToF16(value));
                case BF16 -> buffer.putShort(Dtypes.floatToBf16(value));
            }
        }
        return buffer.flip();
    }

    private static void writeAtomically(Path target, List<ByteBuffer> chunks) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (ByteBuffer chunk : chunks) {
                    while (chunk.hasRemaining()) channel.write(chunk);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the file itself is already synced.
        }
    }
}
