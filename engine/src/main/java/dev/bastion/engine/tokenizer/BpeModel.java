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

    private IntList initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean pendingUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            String ch = word.substring(i, i + len);
            i += len;
            Integer id = vocab.get(ch);
            if (id == null && byteFallback && appendBytesIfKnown(ch, symbols, pendingUnk)) {
                pendingUnk = false;
                continue;
            }
            if (id != null) {
                if (pendingUnk) symbols.add(unkId);
                pendingUnk = false;
                symbols.add(id);
            } else if (unkId != null) {
                // HF drops unknown characters when there is no unk token.
                if (pendingUnk && !fuseUnk) symbols.add(unkId);
                pendingUnk = true;
            }
        }
        if (pendingUnk) symbols.add(unkId);
        return symbols;
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
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) pushPair(heap, ids, i, i + 1);
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) continue;
            long merge = merges.get(ids[pos], ids[right]);
            if (merge == MergeTable.ABSENT || (int) (merge >>> 32) != rank) continue; // stale entry
            ids[pos] = (int) merge;
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

    private void pushPair(LongHeap heap, int[] ids, int left, int right) {
        long merge = merges.get(ids[left], ids[right]);
        if (merge != MergeTable.ABSENT) heap.add((merge & 0xFFFFFFFF00000000L) | left);
    }

    /** Min-heap of longs: (rank, position) packed so that lower rank, then leftmost position, comes first. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == items.length) items = Arrays.copyOf(items, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= v) break;
                items[i] = items[parent];
                i = parent;
            }
            items[i] = v;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && items[child + 1] < items[child]) child++;
                if (last <= items[child]) break;
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
