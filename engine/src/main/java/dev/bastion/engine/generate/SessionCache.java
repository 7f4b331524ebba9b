package dev.bastion.engine.generate;

import dev.bastion.engine.model.InferenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Objects;

/**
 * The KV caches of finished generations, kept for their owner's next prompt: a chat's next turn starts with the
 * previous turn's prompt and answer, so only the rest needs a prefill (as Ollama keeps each slot's tokens and cache).
 * <p>
 * A cached state is checked out exclusively (a concurrent request of the same owner gets a fresh state) and only
 * ever to its owner, so a user can neither read nor time another user's cache. Bounded by {@link Limits}: the least
 * recently used states go first. Thread-safe.
 */
public final class SessionCache {

    /**
     * @param maxStates states kept at most (0 turns reuse off)
     * @param maxBytes their total {@link InferenceState#sizeBytes()} at most
     */
    public record Limits(int maxStates, long maxBytes) {
        public static final Limits DEFAULT = new Limits(4, 512L << 20);

        public Limits {
            if (maxStates < 0 || maxBytes < 0) throw new IllegalArgumentException("KV cache limits must be >= 0");
        }
    }

    /** A checked-out state whose positions 0..reused-1 hold the KV of the prompt's first {@code reused} tokens. */
    record Checkout(InferenceState state, int reused) {}

    /** {@code tokens} are exactly the positions {@code state} holds. */
    private record Entry(String owner, InferenceState state, int[] tokens, long bytes) {}

    /** Least recently used first. */
    private final LinkedList<Entry> entries = new LinkedList<>();
    private Limits limits;
    private long bytes;
    private boolean closed;

    public SessionCache(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Takes {@code owner}'s state that shares the longest prefix with {@code prompt} and has {@code contextLength}
     * positions, or null if none shares any. At least the prompt's last token is left to run, for its logits.
     */
    synchronized Checkout take(String owner, int contextLength, int[] prompt) {
        Entry best = null;
        int bestCommon = 0;
        for (Entry e : entries) {
            if (!e.owner.equals(owner) || e.state.contextLength() != contextLength) continue;
            int common = commonPrefix(e.tokens, prompt);
            if (common >= bestCommon && common > 0) {
                best = e;
                bestCommon = common;
            }
        }
        if (best == null) return null;
        entries.remove(best);
        bytes -= best.bytes;
        return new Checkout(best.state, Math.min(bestCommon, prompt.length - 1));
    }

    /** Keeps {@code state}, which holds exactly {@code tokens}, for {@code owner}; evicts beyond the limits. */
    synchronized void put(String owner, InferenceState state, int[] tokens) {
        long size = state.sizeBytes();
        if (closed || tokens.length == 0 || limits.maxStates() == 0 || size > limits.maxBytes()) return;
        entries.addLast(new Entry(owner, state, tokens, size));
        bytes += size;
        evict();
    }

    /** Applies new limits, evicting what no longer fits. */
    public synchronized void limit(Limits newLimits) {
        limits = Objects.requireNonNull(newLimits, "limits");
        evict();
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Owners of the kept states, least recently used first (for tests and diagnostics). */
    synchronized List<String> owners() {
        List<String> owners = new ArrayList<>();
        entries.forEach(e -> owners.add(e.owner));
        return owners;
    }

    /** Drops every state and keeps none from now on (the model is being unloaded). */
    public synchronized void close() {
        closed = true;
        entries.clear();
        bytes = 0;
    }

    private void evict() {
        Iterator<Entry> lru = entries.iterator();
        while (lru.hasNext() && (entries.size() > limits.maxStates() || bytes > limits.maxBytes())) {
            bytes -= lru.next().bytes;
            lru.remove();
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch < 0 ? a.length : mismatch;
    }
}
