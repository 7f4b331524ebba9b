package dev.bastion.engine.grammar;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * A context-free grammar over bytes, compiled flat for {@link GrammarMatcher}: every alternative of every rule is a
 * run of elements in {@link #code} ending in {@link #END}. An element {@code >= 0} is a terminal (an index into the
 * byte sets), {@link #END} ends the alternative, and {@code <= -2} refers to rule {@code -element - 2}. Immutable.
 * <p>
 * No rule may derive itself without consuming a byte first (left recursion): the matcher expands rules eagerly and
 * would never stop, so {@link GrammarBuilder#build} refuses such grammars.
 */
public final class Grammar {

    static final int END = -1;

    final int[] code;
    /** Per rule, where each of its alternatives starts in {@link #code}. */
    final int[][] alternatives;
    /** Per terminal, the 256 accepted bytes as 4 words. */
    final long[][] byteSets;
    final int startRule;

    Grammar(int[] code, int[][] alternatives, long[][] byteSets, int startRule) {
        this.code = code;
        this.alternatives = alternatives;
        this.byteSets = byteSets;
        this.startRule = startRule;
        checkNoLeftRecursion();
    }

    static int ref(int rule) {
        return -rule - 2;
    }

    static int ruleOf(int element) {
        return -element - 2;
    }

    boolean accepts(int terminal, int b) {
        return (byteSets[terminal][b >>> 6] & (1L << (b & 63))) != 0;
    }

    /** The number of elements, a measure of the grammar's size. */
    public int size() {
        return code.length;
    }

    private void checkNoLeftRecursion() {
        int rules = alternatives.length;
        boolean[] nullable = new boolean[rules];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < rules; r++) {
                if (nullable[r]) continue;
                for (int start : alternatives[r]) {
                    if (nullablePrefixEnd(start, nullable) < 0) {
                        nullable[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        // Edges r -> s when s can be the first thing r expands to; a cycle is left recursion.
        int[][] firsts = new int[rules][];
        for (int r = 0; r < rules; r++) {
            int[] list = new int[4];
            int n = 0;
            for (int start : alternatives[r]) {
                for (int p = start; code[p] != END; p++) {
                    if (code[p] >= 0) break;
                    if (n == list.length) list = Arrays.copyOf(list, n * 2);
                    list[n++] = ruleOf(code[p]);
                    if (!nullable[ruleOf(code[p])]) break;
                }
            }
            firsts[r] = Arrays.copyOf(list, n);
        }
        byte[] mark = new byte[rules]; // 0 unvisited, 1 on the path, 2 done
        for (int root = 0; root < rules; root++) {
            if (mark[root] != 0) continue;
            Deque<int[]> path = new ArrayDeque<>();
            path.push(new int[] {root, 0});
            mark[root] = 1;
            while (!path.isEmpty()) {
                int[] top = path.peek();
                if (top[1] == firsts[top[0]].length) {
                    mark[top[0]] = 2;
                    path.pop();
                    continue;
                }
                int next = firsts[top[0]][top[1]++];
                if (mark[next] == 1) throw new InvalidSchemaException("the schema refers to itself without any JSON in between ($ref cycle)");
                if (mark[next] == 0) {
                    mark[next] = 1;
                    path.push(new int[] {next, 0});
                }
            }
        }
    }

    /** -1 when the alternative at {@code start} can derive the empty string, else the position of its first non-nullable element. */
    private int nullablePrefixEnd(int start, boolean[] nullable) {
        for (int p = start; ; p++) {
            int e = code[p];
            if (e == END) return -1;
            if (e >= 0 || !nullable[ruleOf(e)]) return p;
        }
    }
}
