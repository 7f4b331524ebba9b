package dev.bastion.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The BPE model of HF tokenizers: merges applied by rank with a heap over a linked list of symbols. */
final class BpeModel {

    private static final int CACHE_LIMIT = 50_000;
    private static final int CACHEABLE_LENGTH = 64;

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final Integer unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteTokenIds = new int[256];
    /** Ids of single-char BMP tokens (-1: none), sparing a substring and a hash lookup per character. */
    private final int[] charIds = new int[Character.MAX_VALUE + 1];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, MergeTable merges, Integer unkId,
             boolean byteFallback, boolean fuseUnk, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        Arrays.fill(charIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) charIds[token.charAt(0)] = id;
        });
    }

    void encode(String word, IntList out) {
        if (word.isEmpty()) return;
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = tokenize(word);
            if (word.length() <= CACHEABLE_LENGTH) {
                if (cache.size() > CACHE_LIMIT) cache.clear();
                cache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] tokenize(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) return new int[] {whole};
        }
        IntList symbols = initialSymbols(word);
        return mergeAll(symbols.toArray());
    }

    /** One symbol per character; unknown ones become byte tokens (byte_fallback) or unk (fused if fuse_unk). */
    private IntList initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean pendingUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            int id = charId(word, i, len);
            if (id < 0 && byteFallback && appendBytesIfKnown(word.substring(i, i + len), symbols, pendingUnk)) {
                pendingUnk = false;
            } else if (id >= 0) {
                if (pendingUnk) symbols.add(unkId);
                pendingUnk = false;
                symbols.add(id);
            } else if (unkId != null) {
                // HF drops unknown characters when there is no unk token.
                if (pendingUnk && !fuseUnk) symbols.add(unkId);
                pendingUnk = true;
            }
            i += len;
        }
        if (pendingUnk) symbols.add(unkId);
        return symbols;
    }

    private int charId(String word, int index, int length) {
        if (length == 1) return charIds[word.charAt(index)];
        return vocab.getOrDefault(word.substring(index, index + length), -1);
    }

    private boolean appendBytesIfKnown(String ch, IntList symbols, boolean pendingUnk) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteTokenIds[b & 0xFF] < 0) return false;
        if (pendingUnk) symbols.add(unkId);
        for (byte b : bytes) symbols.add(byteTokenIds[b & 0xFF]);
        return true;
    }

    private int[] mergeAll(int[] ids) {
        int n = ids.length;
        if (n < 2) return ids;
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        MergeHeap heap = new MergeHeap(n);
        for (int i = 0; i + 1 < n; i++) pushPair(heap, ids, i, i + 1);
        while (!heap.isEmpty()) {
            int pos = heap.pollPosition();
            int mergedId = heap.polledMergedId();
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) continue;
            // Like HF, an entry is stale unless the pair there now still merges into the same token.
            long merge = merges.get(ids[pos], ids[right]);
            if (merge == MergeTable.ABSENT || (int) merge != mergedId) continue;
            ids[pos] = mergedId;
            ids[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) pushPair(heap, ids, prev[pos], pos);
            if (next[pos] >= 0) pushPair(heap, ids, pos, next[pos]);
        }
        int count = 0;
        for (int id : ids) if (id >= 0) count++;
        int[] out = new int[count];
        int k = 0;
        for (int id : ids) if (id >= 0) out[k++] = id;
        return out;
    }

    private void pushPair(MergeHeap heap, int[] ids, int left, int right) {
        long merge = merges.get(ids[left], ids[right]);
        if (merge != MergeTable.ABSENT) heap.add((int) (merge >>> 32), left, (int) merge);
    }

    /** Min-heap of candidate merges ordered by rank, then leftmost position; each carries the id it merges into. */
    private static final class MergeHeap {
        private long[] keys;
        private int[] mergedIds;
        private int size;
        private int polledMergedId;

        MergeHeap(int capacity) {
            keys = new long[Math.max(4, capacity)];
            mergedIds = new int[keys.length];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(int rank, int position, int mergedId) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                mergedIds = Arrays.copyOf(mergedIds, size * 2);
            }
            long key = ((long) rank << 32) | position;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (keys[parent] <= key) break;
                keys[i] = keys[parent];
                mergedIds[i] = mergedIds[parent];
                i = parent;
            }
            keys[i] = key;
            mergedIds[i] = mergedId;
        }

        /** Removes the best entry and returns its position; {@link #polledMergedId()} then gives its merged id. */
        int pollPosition() {
            long top = keys[0];
            polledMergedId = mergedIds[0];
            long lastKey = keys[--size];
            int lastId = mergedIds[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && keys[child + 1] < keys[child]) child++;
                if (lastKey <= keys[child]) break;
                keys[i] = keys[child];
                mergedIds[i] = mergedIds[child];
                i = child;
            }
            keys[i] = lastKey;
            mergedIds[i] = lastId;
            return (int) top;
        }

        int polledMergedId() {
            return polledMergedId;
        }
    }
}
