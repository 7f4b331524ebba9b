package dev.bastion.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Grammar}: rules are numbered as they are created; each gets alternatives, each a sequence of
 * elements made by {@link #bytes}, {@link #literal} and {@link #ref}. Bounded in size so that a hostile schema (huge
 * minItems, deep nesting) is refused instead of exhausting memory.
 */
final class GrammarBuilder {

    private final int maxElements;
    private final List<List<int[]>> rules = new ArrayList<>();
    private final List<long[]> byteSets = new ArrayList<>();
    private final Map<String, Integer> byteSetIds = new HashMap<>();
    private int elements;

    GrammarBuilder(int maxElements) {
        this.maxElements = maxElements;
    }

    int newRule() {
        rules.add(new ArrayList<>());
        return rules.size() - 1;
    }

    /** Adds an alternative (a sequence of elements; none is the empty string) to {@code rule}. */
    void alternative(int rule, int... sequence) {
        elements += sequence.length + 1;
        if (elements > maxElements) throw new InvalidSchemaException("the schema is too large to constrain output (its grammar exceeds " + maxElements + " elements)");
        rules.get(rule).add(sequence.clone());
    }

    /** A new rule with the given alternatives. */
    int rule(int[]... alternatives) {
        int r = newRule();
        for (int[] a : alternatives) alternative(r, a);
        return r;
    }

    static int ref(int rule) {
        return Grammar.ref(rule);
    }

    /** One byte in [lo, hi] (inclusive ranges given as pairs). */
    int bytes(int... ranges) {
        long[] set = new long[4];
        for (int i = 0; i < ranges.length; i += 2) {
            for (int b = ranges[i]; b <= ranges[i + 1]; b++) set[b >>> 6] |= 1L << (b & 63);
        }
        return terminal(set);
    }

    /** One byte of {@code chars} (ASCII). */
    int anyOf(String chars) {
        long[] set = new long[4];
        for (int i = 0; i < chars.length(); i++) set[chars.charAt(i) >>> 6] |= 1L << (chars.charAt(i) & 63);
        return terminal(set);
    }

    /** The elements that match {@code text}'s UTF-8 bytes exactly. */
    int[] literal(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] seq = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) seq[i] = bytes(utf8[i] & 0xff, utf8[i] & 0xff);
        return seq;
    }

    private int terminal(long[] set) {
        return byteSetIds.computeIfAbsent(Arrays.toString(set), k -> {
            byteSets.add(set);
            return byteSets.size() - 1;
        });
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    static int[] seq(int... elements) {
        return elements;
    }

    /** A rule matching {@code sequence} repeated at least {@code min} and at most {@code max} (-1: unbounded) times. */
    int repeat(int[] sequence, int min, int max) {
        int tail = newRule();
        alternative(tail);
        if (max < 0) {
            alternative(tail, concat(sequence, seq(ref(tail))));
        } else {
            for (int i = 0; i < max - min; i++) {
                int outer = newRule();
                alternative(outer);
                alternative(outer, concat(sequence, seq(ref(tail))));
                tail = outer;
            }
        }
        int[] all = new int[0];
        for (int i = 0; i < min; i++) all = concat(all, sequence);
        return rule(concat(all, seq(ref(tail))));
    }

    /**
     * The grammar from {@code startRule}. Alternatives that can never finish (they need a rule that derives no finite
     * text, as a schema requiring itself does) are dropped, so that every state of the matcher can still be completed.
     *
     * @throws InvalidSchemaException when the start rule itself derives no finite text
     */
    Grammar build(int startRule) {
        boolean[] productive = productiveRules();
        if (!productive[startRule]) throw new InvalidSchemaException("no finite JSON value satisfies the schema (it requires itself without end)");
        List<List<int[]>> kept = new ArrayList<>(rules.size());
        int size = 0;
        for (List<int[]> alts : rules) {
            List<int[]> k = new ArrayList<>(alts.size());
            for (int[] a : alts) {
                if (finishes(a, productive)) {
                    k.add(a);
                    size += a.length + 1;
                }
            }
            kept.add(k);
        }
        int[] code = new int[size];
        int[][] alternatives = new int[kept.size()][];
        int at = 0;
        for (int r = 0; r < kept.size(); r++) {
            List<int[]> alts = kept.get(r);
            alternatives[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                alternatives[r][a] = at;
                int[] seq = alts.get(a);
                System.arraycopy(seq, 0, code, at, seq.length);
                at += seq.length;
                code[at++] = Grammar.END;
            }
        }
        return new Grammar(code, alternatives, byteSets.toArray(long[][]::new), startRule);
    }

    private boolean[] productiveRules() {
        boolean[] productive = new boolean[rules.size()];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < rules.size(); r++) {
                if (productive[r]) continue;
                for (int[] a : rules.get(r)) {
                    if (finishes(a, productive)) {
                        productive[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        return productive;
    }

    private static boolean finishes(int[] alternative, boolean[] productive) {
        for (int e : alternative) if (e < 0 && !productive[Grammar.ruleOf(e)]) return false;
        return true;
    }
}
