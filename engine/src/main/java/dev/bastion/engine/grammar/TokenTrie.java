package dev.bastion.engine.grammar;

import dev.bastion.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The vocabulary as a trie over the bytes each token writes, so that a grammar state is tested against all tokens
 * sharing a prefix at once and a branch is dropped at its first disallowed byte. Stored flat in depth-first order
 * (a node's subtree is the nodes up to {@link #subtreeEnd}), which a walk reads front to back. Built once per
 * tokenizer; immutable.
 */
public final class TokenTrie {

    /** Per node (0 is the root, which has no byte): the byte leading to it, its depth, where its subtree ends. */
    final byte[] label;
    final int[] depth;
    final int[] subtreeEnd;
    /** Tokens ending at node i: {@code tokens[tokenStart[i] .. tokenStart[i + 1])}. */
    final int[] tokenStart;
    final int[] tokens;
    final int maxDepth;
    final int vocabSize;
    private final byte[][] bytes;

    private TokenTrie(Builder root, byte[][] bytes) {
        this.bytes = bytes;
        this.vocabSize = bytes.length;
        List<Builder> order = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        flatten(root, 0, -1, order, depths, labels);
        int n = order.size();
        label = new byte[n];
        depth = new int[n];
        subtreeEnd = new int[n];
        tokenStart = new int[n + 1];
        int tokenCount = 0;
        int deepest = 0;
        for (int i = 0; i < n; i++) {
            label[i] = (byte) (int) labels.get(i);
            depth[i] = depths.get(i);
            deepest = Math.max(deepest, depth[i]);
            tokenStart[i] = tokenCount;
            tokenCount += order.get(i).tokens.size();
        }
        tokenStart[n] = tokenCount;
        tokens = new int[tokenCount];
        for (int i = 0; i < n; i++) {
            List<Integer> t = order.get(i).tokens;
            for (int k = 0; k < t.size(); k++) tokens[tokenStart[i] + k] = t.get(k);
        }
        // A node's subtree ends at the next node no deeper than itself.
        int[] open = new int[deepest + 2];
        java.util.Arrays.fill(subtreeEnd, n);
        int top = -1;
        for (int i = 0; i < n; i++) {
            while (top >= 0 && depth[open[top]] >= depth[i]) subtreeEnd[open[top--]] = i;
            open[++top] = i;
        }
        maxDepth = deepest;
    }

    /** Iterative, so that a very long token cannot overflow the stack. */
    private static void flatten(Builder root, int rootDepth, int rootLabel, List<Builder> order, List<Integer> depths, List<Integer> labels) {
        record Item(Builder node, int depth, int label) {}
        java.util.ArrayDeque<Item> stack = new java.util.ArrayDeque<>();
        stack.push(new Item(root, rootDepth, rootLabel));
        while (!stack.isEmpty()) {
            Item item = stack.pop();
            order.add(item.node());
            depths.add(item.depth());
            labels.add(item.label());
            for (var e : item.node().children.descendingMap().entrySet()) stack.push(new Item(e.getValue(), item.depth() + 1, e.getKey()));
        }
    }

    /** The bytes token {@code id} writes; null when it writes none of its own. */
    byte[] bytesOf(int id) {
        return id < 0 || id >= bytes.length ? null : bytes[id];
    }

    /** Tokens without text of their own (special ones, unused ids) are left out: a grammar never allows them. */
    public static TokenTrie of(Tokenizer tokenizer) {
        Builder root = new Builder();
        byte[][] all = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            byte[] bytes = tokenizer.tokenBytes(id);
            if (bytes == null || bytes.length == 0) continue;
            all[id] = bytes;
            Builder node = root;
            for (byte b : bytes) node = node.children.computeIfAbsent(b & 0xff, k -> new Builder());
            node.tokens.add(id);
        }
        return new TokenTrie(root, all);
    }

    private static final class Builder {
        final TreeMap<Integer, Builder> children = new TreeMap<>();
        final List<Integer> tokens = new ArrayList<>(1);
    }
}
