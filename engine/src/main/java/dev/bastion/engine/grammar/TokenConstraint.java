package dev.bastion.engine.grammar;

import java.util.Set;

/**
 * The grammar applied to one generation's tokens: before sampling, every token whose bytes would leave the grammar's
 * language (not a prefix of a sentence any more) gets logit -Infinity; end-of-sequence tokens are allowed only once
 * the output is a whole sentence, and then they are all that is. Not thread-safe: one per generation.
 */
public final class TokenConstraint {

    private final GrammarMatcher matcher;
    private final TokenTrie trie;
    private final int[] endTokens;
    private GrammarMatcher.State state;

    public TokenConstraint(Grammar grammar, TokenTrie trie, Set<Integer> endTokens) {
        this.matcher = new GrammarMatcher(grammar);
        this.trie = trie;
        this.endTokens = endTokens.stream().mapToInt(Integer::intValue).toArray();
        this.state = matcher.start();
    }

    /**
     * Sets the logits of disallowed tokens to -Infinity.
     *
     * @return false when no token at all is allowed (the vocabulary cannot continue, or the output is complete and
     *         the model has no end token): the generation has to stop
     */
    public boolean restrict(float[] logits) {
        long[] allowed = allowedTokens();
        boolean any = false;
        for (int i = 0; i < logits.length; i++) {
            if ((i >>> 6) >= allowed.length || (allowed[i >>> 6] & (1L << (i & 63))) == 0) logits[i] = Float.NEGATIVE_INFINITY;
            else any = true;
        }
        return any;
    }

    /** Advances past a sampled token (one {@link #restrict} allowed). */
    public void accept(int token) {
        for (int end : endTokens) if (end == token) return;
        byte[] bytes = tokenBytes(token);
        if (bytes == null) throw new IllegalStateException("token " + token + " is not allowed by the grammar");
        GrammarMatcher.State next = matcher.step(state, bytes);
        if (matcher.isDead(next)) throw new IllegalStateException("token " + token + " is not allowed by the grammar");
        state = next;
    }

    /** The output so far is a whole sentence of the grammar. */
    public boolean complete() {
        return state.complete();
    }

    int cachedStates() {
        return matcher.cachedStates();
    }

    private byte[] tokenBytes(int token) {
        return trie.bytesOf(token);
    }

    /** The allowed tokens as a bit set over the vocabulary, memoized per grammar state. */
    long[] allowedTokens() {
        if (state.tokenMask != null) return state.tokenMask;
        long[] mask = new long[(Math.max(trie.vocabSize, maxEndToken() + 1) + 63) >>> 6];
        walk(state, mask);
        // An end token ends the generation whatever its text, so it is allowed exactly when the output is complete.
        for (int end : endTokens) {
            if (state.complete()) mask[end >>> 6] |= 1L << (end & 63);
            else mask[end >>> 6] &= ~(1L << (end & 63));
        }
        state.tokenMask = mask;
        return mask;
    }

    /** Visits the trie front to back, keeping the state at each depth and skipping a subtree at its first dead byte. */
    private void walk(GrammarMatcher.State from, long[] mask) {
        GrammarMatcher.State[] at = new GrammarMatcher.State[trie.maxDepth + 1];
        at[0] = from;
        int n = trie.label.length;
        for (int i = 1; i < n; ) {
            GrammarMatcher.State parent = at[trie.depth[i] - 1];
            GrammarMatcher.State next = parent.finished() ? null : matcher.step(parent, trie.label[i] & 0xff);
            if (next == null || matcher.isDead(next)) {
                i = trie.subtreeEnd[i];
                continue;
            }
            at[trie.depth[i]] = next;
            for (int k = trie.tokenStart[i]; k < trie.tokenStart[i + 1]; k++) {
                int token = trie.tokens[k];
                mask[token >>> 6] |= 1L << (token & 63);
            }
            i++;
        }
    }

    private int maxEndToken() {
        int max = -1;
        for (int end : endTokens) max = Math.max(max, end);
        return max;
    }
}
