package dev.bastion.engine.grammar;

import dev.bastion.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The vocabulary as a trie over the bytes each token writes, so that a grammar state is tested against all tokens
 * sharing a prefix at once and a branch is dropped at its first disallowed byte. Built once per tokenizer; immutable.
 */
public final class TokenTrie {

    static final class Node {
        final byte[] keys;
        final Node[] children;
        /** Tokens whose bytes end here. */
        final int[] tokens;

        Node(byte[] keys, Node[] children, int[] tokens) {
            this.keys = keys;
            this.children = children;
            this.tokens = tokens;
        }
    }

    final Node root;
    final int vocabSize;
    private final byte[][] bytes;

    private TokenTrie(Node root, byte[][] bytes) {
        this.root = root;
        this.vocabSize = bytes.length;
        this.bytes = bytes;
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
        return new TokenTrie(root.freeze(), all);
    }

    private static final class Builder {
        final TreeMap<Integer, Builder> children = new TreeMap<>();
        final List<Integer> tokens = new ArrayList<>(1);

        Node freeze() {
            byte[] keys = new byte[children.size()];
            Node[] nodes = new Node[children.size()];
            int i = 0;
            for (var e : children.entrySet()) {
                keys[i] = (byte) (int) e.getKey();
                nodes[i++] = e.getValue().freeze();
            }
            return new Node(keys, nodes, tokens.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
