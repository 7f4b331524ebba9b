package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Random ggml blocks and the recorded reference vectors of src/test/resources/ggml-blocks. */
final class GgmlBlockFixtures {

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgmlBlockFixtures() {}

    /** Byte offsets of each block's F16 scales (d, and dmin for Q4_K/Q5_K); every other byte is a quant or a packed scale. */
    static int[] halfOffsets(StorageType type) {
        return switch (type) {
            case Q8_0, Q4_0 -> new int[] {0};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    /** Random bytes for quants and packed scales, with small positive F16 scales so every weight is finite. */
    static MemorySegment randomBlocks(StorageType type, long weights, Random random, Arena arena) {
        MemorySegment seg = arena.allocate(type.bytesFor(weights), 64);
        byte[] bytes = new byte[(int) seg.byteSize()];
        random.nextBytes(bytes);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        for (long block = 0; block < weights / type.blockSize(); block++) {
            for (int offset : halfOffsets(type)) {
                float scale = 1e-4f + random.nextFloat() * 2e-3f;
                seg.set(HALF, block * type.bytesPerBlock() + offset, Float.floatToFloat16(scale));
            }
        }
        return seg;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = GgmlBlockFixtures.class.getResourceAsStream("/ggml-blocks/" + name)) {
            if (in == null) throw new IOException("missing test resource ggml-blocks/" + name);
            return in.readAllBytes();
        }
    }

    static float[] floats(String name) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(resource(name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buffer.remaining() / Float.BYTES];
        buffer.asFloatBuffer().get(out);
        return out;
    }

    static MemorySegment nativeCopy(byte[] bytes, Arena arena) {
        MemorySegment seg = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return seg;
    }

    static float[] dequantizeAll(Matrix m) {
        float[] all = new float[m.rows() * m.cols()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.copyRow(r, row);
            System.arraycopy(row, 0, all, r * m.cols(), m.cols());
        }
        return all;
    }
}
