package dev.bastion.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads little-endian GGUF fields in order, checking each read against the end of the file before making it. */
final class GgufCursor {

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment bytes;
    private long position;

    GgufCursor(Path file, MemorySegment bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    Path file() {
        return file;
    }

    long position() {
        return position;
    }

    private void need(long count, String what) throws GgufException {
        if (count < 0 || count > bytes.byteSize() - position) {
            throw new GgufException(file, "file ends inside the " + what + " at byte " + position + " (truncated)");
        }
    }

    int i32(String what) throws GgufException {
        need(4, what);
        int v = bytes.get(INT, position);
        position += 4;
        return v;
    }

    long u64(String what) throws GgufException {
        need(8, what);
        long v = bytes.get(LONG, position);
        position += 8;
        return v;
    }

    GgufValueType valueType(String what) throws GgufException {
        int id = i32(what);
        GgufValueType type = GgufValueType.ofId(Integer.toUnsignedLong(id));
        if (type == null) throw new GgufException(file, what + ": unknown value type id " + Integer.toUnsignedString(id));
        return type;
    }

    /** A u64 length, capped at {@code maxBytes}, then that many bytes of strict UTF-8. */
    String string(String what, int maxBytes) throws GgufException {
        long length = u64("length of a " + what);
        if (Long.compareUnsigned(length, maxBytes) > 0) {
            throw new GgufException(file, what + " of " + Long.toUnsignedString(length) + " bytes exceeds the cap of " + maxBytes);
        }
        need(length, what);
        if (length == 0) return "";
        ByteBuffer slice = bytes.asSlice(position, length).asByteBuffer();
        position += length;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new GgufException(file, what + " is not valid UTF-8");
        }
    }

    Object scalar(GgufValueType type, String key) throws GgufException {
        String what = "value of " + GgufException.quote(key);
        if (type == GgufValueType.STRING) return string(what, GgufFile.MAX_STRING_BYTES);
        need(type.fixedSize(), what);
        long at = position;
        position += type.fixedSize();
        return switch (type) {
            case UINT8 -> (long) (bytes.get(BYTE, at) & 0xFF);
            case INT8 -> (long) bytes.get(BYTE, at);
            case UINT16 -> (long) (bytes.get(SHORT, at) & 0xFFFF);
            case INT16 -> (long) bytes.get(SHORT, at);
            case UINT32 -> Integer.toUnsignedLong(bytes.get(INT, at));
            case INT32 -> (long) bytes.get(INT, at);
            case UINT64, INT64 -> bytes.get(LONG, at);
            case FLOAT32 -> bytes.get(FLOAT, at);
            case FLOAT64 -> bytes.get(DOUBLE, at);
            case BOOL -> bool(bytes.get(BYTE, at), what);
            case STRING, ARRAY -> throw new IllegalStateException(type.name());
        };
    }

    private boolean bool(byte b, String what) throws GgufException {
        if (b != 0 && b != 1) throw new GgufException(file, what + ": BOOL byte " + (b & 0xFF) + " is neither 0 nor 1");
        return b == 1;
    }

    /** {@code count} elements, already capped by the caller; fixed-size arrays are bounds-checked as a whole first. */
    Object array(GgufValueType element, int count, String key) throws GgufException {
        String what = "array " + GgufException.quote(key);
        if (element == GgufValueType.STRING) {
            // Each string needs at least its 8-byte length: refuse a count the file cannot hold before allocating.
            need(8L * count, what);
            String[] out = new String[count];
            for (int i = 0; i < count; i++) out[i] = string("element of " + what, GgufFile.MAX_STRING_BYTES);
            return out;
        }
        long size = (long) element.fixedSize() * count;
        need(size, what);
        MemorySegment src = bytes.asSlice(position, size);
        position += size;
        return switch (element) {
            case UINT8, INT8 -> src.toArray(BYTE);
            case BOOL -> {
                byte[] out = src.toArray(BYTE);
                for (byte b : out) bool(b, "element of " + what);
                yield out;
            }
            case UINT16, INT16 -> src.toArray(SHORT);
            case UINT32, INT32 -> src.toArray(INT);
            case UINT64, INT64 -> src.toArray(LONG);
            case FLOAT32 -> src.toArray(FLOAT);
            case FLOAT64 -> src.toArray(DOUBLE);
            case STRING, ARRAY -> throw new IllegalStateException(element.name());
        };
    }
}
