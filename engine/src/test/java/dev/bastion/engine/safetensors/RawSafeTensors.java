package dev.bastion.engine.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Builds SafeTensors bytes by hand, per the format spec, independently of {@link SafeTensorsWriter}. */
final class RawSafeTensors {
    private RawSafeTensors() {}

    static byte[] bytes(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return withDeclaredLength(header.length, header, data);
    }

    /** Lets tests lie about the header length. */
    static byte[] withDeclaredLength(long declaredLength, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(declaredLength).put(header).put(data).array();
    }

    static Path write(Path dir, String name, String headerJson, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), bytes(headerJson, data));
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) buffer.putFloat(value);
        return buffer.array();
    }

    static byte[] littleEndianShorts(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) buffer.putShort((short) value);
        return buffer.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer buffer = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) buffer.put(part);
        return buffer.array();
    }
}
