package dev.bastion.engine.tokenizer;

/** Open-addressing map from a token pair to its merge (rank << 32 | merged id): the hot lookup of BPE, kept unboxed. */
final class MergeTable {

    static final long ABSENT = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;

    MergeTable(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize) * 2 - 1) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(values, ABSENT);
        mask = capacity - 1;
    }

    static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** A pair listed twice keeps its last rank: HF collects the merges into a map, so later entries overwrite. */
    void put(int left, int right, int rank, int merged) {
        long key = pairKey(left, right);
        int i = slot(key);
        keys[i] = key;
        values[i] = ((long) rank << 32) | merged;
    }

    /** The packed merge, or {@link #ABSENT}. */
    long get(int left, int right) {
        return values[slot(pairKey(left, right))];
    }

    private int slot(long key) {
        int i = (int) mix(key) & mask;
        while (values[i] != ABSENT && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    private static long mix(long key) {
        key *= 0x9E3779B97F4A7C15L;
        return key ^ (key >>> 29);
    }
}
