package dev.bastion.mcp.builtin.docker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Keeps the last {@code capacity} bytes written to it and counts them all: the end of a log is what matters. */
final class TailBuffer {

    private final int capacity;
    private final byte[] bytes;
    private int length;
    private long total;

    TailBuffer(int capacity) {
        this.capacity = capacity;
        this.bytes = new byte[capacity];
    }

    void write(byte[] data, int offset, int count) {
        total += count;
        if (count >= capacity) {
            System.arraycopy(data, offset + count - capacity, bytes, 0, capacity);
            length = capacity;
            return;
        }
        int keep = Math.min(length, capacity - count);
        System.arraycopy(bytes, length - keep, bytes, 0, keep);
        System.arraycopy(data, offset, bytes, keep, count);
        length = keep + count;
    }

    long total() {
        return total;
    }

    boolean truncated() {
        return total > length;
    }

    /** The kept bytes as text; when the start was cut, from the first whole line on (no half line, no half character). */
    String text() {
        int start = 0;
        if (truncated()) {
            int newline = indexOf((byte) '\n');
            if (newline >= 0 && newline < length - 1) start = newline + 1;
        }
        return new String(Arrays.copyOfRange(bytes, start, length), StandardCharsets.UTF_8);
    }

    private int indexOf(byte b) {
        for (int i = 0; i < length; i++) if (bytes[i] == b) return i;
        return -1;
    }
}
