package dev.bastion.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.bastion.engine.grammar.GrammarBuilder.concat;
import static dev.bastion.engine.grammar.GrammarBuilder.ref;
import static dev.bastion.engine.grammar.GrammarBuilder.seq;

/**
 * A JSON schema {@code pattern} (ECMA-262 syntax) as grammar elements matching the JSON-escaped content of a string
 * whose text matches it: literals, {@code .}, classes (ranges, negation, {@code \d \w \s} and their negations), groups,
 * alternation, quantifiers ({@code * + ? {n} {n,} {n,m}}, lazy ones too) and {@code ^}/{@code $} at the ends (without
 * them, anything may come before or after, as {@code pattern} matches anywhere). Characters are written as themselves,
 * or escaped where JSON must ({@code \" \\ \n}, {@code &#92;u00XX}). Anything else (backreferences, lookaround, anchors
 * inside, a repeated part that matches the empty string) is {@link Unsupported}: the caller ignores the pattern.
 */
final class RegexGrammar {

    static final class Unsupported extends Exception {
        Unsupported(String what) {
            super(what, null, false, false);
        }
    }

    private static final int MAX_CODE_POINT = 0x10FFFF;
    private static final int[][] DIGIT = {{'0', '9'}};
    private static final int[][] WORD = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
    private static final int[][] SPACE = {{'\t', '\r'}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
            {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
    private static final int[][] LINE_TERMINATORS = {{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}};

    private record Part(int[] elements, boolean nullable) {}

    private final GrammarBuilder b;
    private final int maxBound;
    private final Map<String, Integer> setRules;
    private final int[] codePoints;
    private int at;

    private RegexGrammar(GrammarBuilder b, int maxBound, Map<String, Integer> setRules, String pattern) {
        this.b = b;
        this.maxBound = maxBound;
        this.setRules = setRules;
        this.codePoints = pattern.codePoints().toArray();
    }

    /**
     * The elements of a string's content (between its quotes) that matches {@code pattern}.
     *
     * @param setRules shared between patterns of one schema, so equal classes become one rule
     */
    static int[] content(GrammarBuilder b, String pattern, int maxBound, Map<String, Integer> setRules) throws Unsupported {
        RegexGrammar r = new RegexGrammar(b, maxBound, setRules, pattern);
        boolean anchoredStart = r.peek('^');
        if (anchoredStart) r.at++;
        int end = r.codePoints.length;
        boolean anchoredEnd = end > r.at && r.codePoints[end - 1] == '$' && (end < 2 || r.codePoints[end - 2] != '\\');
        int[] body = r.alternation(anchoredEnd ? end - 1 : end).elements();
        if (r.at != (anchoredEnd ? end - 1 : end)) throw new Unsupported("unbalanced parenthesis");
        if (anchoredStart && anchoredEnd) return body;
        int[] anything = seq(ref(r.repeat(seq(ref(r.set(complement(new int[0][])))), 0, -1)));
        return concat(anchoredStart ? new int[0] : anything, body, anchoredEnd ? new int[0] : anything);
    }

    private boolean peek(int c) {
        return at < codePoints.length && codePoints[at] == c;
    }

    private Part alternation(int end) throws Unsupported {
        List<Part> options = new ArrayList<>();
        options.add(sequence(end));
        while (at < end && codePoints[at] == '|') {
            at++;
            options.add(sequence(end));
        }
        if (options.size() == 1) return options.getFirst();
        int rule = b.newRule();
        boolean nullable = false;
        for (Part p : options) {
            b.alternative(rule, p.elements());
            nullable |= p.nullable();
        }
        return new Part(seq(ref(rule)), nullable);
    }

    private Part sequence(int end) throws Unsupported {
        int[] elements = new int[0];
        boolean nullable = true;
        while (at < end && codePoints[at] != '|' && codePoints[at] != ')') {
            Part atom = quantified(atom(end), end);
            elements = concat(elements, atom.elements());
            nullable &= atom.nullable();
        }
        return new Part(elements, nullable);
    }

    private Part atom(int end) throws Unsupported {
        int c = codePoints[at++];
        switch (c) {
            case '(' -> {
                if (peek('?')) {
                    if (at + 1 < end && codePoints[at + 1] == ':') at += 2;
                    else throw new Unsupported("lookaround or named group");
                }
                Part inner = alternation(end);
                if (!peek(')')) throw new Unsupported("unbalanced parenthesis");
                at++;
                return new Part(seq(ref(b.rule(inner.elements()))), inner.nullable());
            }
            case '[' -> {
                return one(characterClass(end));
            }
            case '.' -> {
                return one(complement(LINE_TERMINATORS));
            }
            case '\\' -> {
                return one(escape(end, false));
            }
            case '^', '$', '*', '+', '?', '{', '}', ']' -> {
                if (c == '}' || c == ']') return one(new int[][] {{c, c}});
                throw new Unsupported("'" + Character.toString(c) + "' where it cannot be used");
            }
            default -> {
                return one(new int[][] {{c, c}});
            }
        }
    }

    private Part one(int[][] ranges) throws Unsupported {
        if (ranges.length == 0) throw new Unsupported("an empty class");
        return new Part(seq(ref(set(ranges))), false);
    }

    private Part quantified(Part atom, int end) throws Unsupported {
        if (at >= end) return atom;
        int min;
        int max;
        int c = codePoints[at];
        if (c == '*') {
            min = 0;
            max = -1;
            at++;
        } else if (c == '+') {
            min = 1;
            max = -1;
            at++;
        } else if (c == '?') {
            min = 0;
            max = 1;
            at++;
        } else if (c == '{' && isBound(end)) {
            at++;
            min = number(end);
            max = min;
            if (peek(',')) {
                at++;
                max = peek('}') ? -1 : number(end);
            }
            at++; // '}'
        } else {
            return atom;
        }
        if (peek('?')) at++; // lazy: the same language
        if (min > maxBound || max > maxBound) throw new Unsupported("a bound above " + maxBound);
        if (max >= 0 && max < min) throw new Unsupported("a maximum below its minimum");
        // Unbounded repetition of something that may be empty would be left recursion in the grammar.
        if (max < 0 && atom.nullable()) throw new Unsupported("an unbounded repetition of an optional part");
        return new Part(seq(ref(repeat(atom.elements(), min, max))), min == 0 || atom.nullable());
    }

    private boolean isBound(int end) {
        int i = at + 1;
        int digits = 0;
        while (i < end && Character.isDigit(codePoints[i])) {
            i++;
            digits++;
        }
        if (digits == 0) return false;
        if (i < end && codePoints[i] == ',') {
            i++;
            while (i < end && Character.isDigit(codePoints[i])) i++;
        }
        return i < end && codePoints[i] == '}';
    }

    private int number(int end) throws Unsupported {
        long n = 0;
        while (at < end && codePoints[at] >= '0' && codePoints[at] <= '9') {
            n = Math.min(n * 10 + codePoints[at++] - '0', Integer.MAX_VALUE);
        }
        return (int) n;
    }

    private int[][] characterClass(int end) throws Unsupported {
        boolean negated = peek('^');
        if (negated) at++;
        List<int[]> ranges = new ArrayList<>();
        boolean first = true;
        while (at < end && (first || codePoints[at] != ']')) {
            first = false;
            int[][] item;
            int c = codePoints[at++];
            if (c == '\\') item = escape(end, true);
            else item = new int[][] {{c, c}};
            if (item.length == 1 && item[0][0] == item[0][1] && at + 1 < end && codePoints[at] == '-' && codePoints[at + 1] != ']') {
                at++;
                int hi = codePoints[at++];
                if (hi == '\\') {
                    int[][] h = escape(end, true);
                    if (h.length != 1 || h[0][0] != h[0][1]) throw new Unsupported("a range ending in a class");
                    hi = h[0][0];
                }
                if (hi < item[0][0]) throw new Unsupported("a range out of order");
                item = new int[][] {{item[0][0], hi}};
            }
            for (int[] r : item) ranges.add(r);
        }
        if (!peek(']')) throw new Unsupported("an unterminated class");
        at++;
        int[][] set = normalize(ranges.toArray(int[][]::new));
        return negated ? complement(set) : set;
    }

    private int[][] escape(int end, boolean inClass) throws Unsupported {
        if (at >= end) throw new Unsupported("a trailing backslash");
        int c = codePoints[at++];
        return switch (c) {
            case 'd' -> DIGIT;
            case 'D' -> complement(DIGIT);
            case 'w' -> WORD;
            case 'W' -> complement(WORD);
            case 's' -> SPACE;
            case 'S' -> complement(SPACE);
            case 'n' -> single('\n');
            case 't' -> single('\t');
            case 'r' -> single('\r');
            case 'f' -> single('\f');
            case 'v' -> single(0x0B);
            case '0' -> single(0);
            case 'b' -> {
                if (inClass) yield single('\b');
                throw new Unsupported("a word boundary");
            }
            case 'u' -> single(hex(4, end));
            case 'x' -> single(hex(2, end));
            default -> {
                if (Character.isLetterOrDigit(c)) throw new Unsupported("the escape \\" + Character.toString(c));
                yield single(c);
            }
        };
    }

    private int hex(int digits, int end) throws Unsupported {
        if (at + digits > end) throw new Unsupported("a short hex escape");
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(codePoints[at++], 16);
            if (d < 0) throw new Unsupported("a bad hex escape");
            v = v * 16 + d;
        }
        return v;
    }

    private static int[][] single(int c) {
        return new int[][] {{c, c}};
    }

    /** Sorted, merged ranges without surrogates (a JSON text cannot carry a lone one). */
    static int[][] normalize(int[][] ranges) {
        int[][] sorted = ranges.clone();
        java.util.Arrays.sort(sorted, (x, y) -> Integer.compare(x[0], y[0]));
        List<int[]> out = new ArrayList<>();
        for (int[] r : sorted) {
            for (int[] piece : withoutSurrogates(r)) {
                if (!out.isEmpty() && piece[0] <= out.getLast()[1] + 1) out.getLast()[1] = Math.max(out.getLast()[1], piece[1]);
                else out.add(piece.clone());
            }
        }
        return out.toArray(int[][]::new);
    }

    private static List<int[]> withoutSurrogates(int[] r) {
        List<int[]> pieces = new ArrayList<>();
        if (r[0] < 0xD800) pieces.add(new int[] {r[0], Math.min(r[1], 0xD7FF)});
        if (r[1] > 0xDFFF) pieces.add(new int[] {Math.max(r[0], 0xE000), r[1]});
        return pieces;
    }

    static int[][] complement(int[][] ranges) {
        int[][] set = normalize(ranges);
        List<int[]> out = new ArrayList<>();
        int next = 0;
        for (int[] r : set) {
            if (r[0] > next) out.add(new int[] {next, r[0] - 1});
            next = r[1] + 1;
        }
        if (next <= MAX_CODE_POINT) out.add(new int[] {next, MAX_CODE_POINT});
        return normalize(out.toArray(int[][]::new));
    }

    /** A rule matching one character of {@code ranges} as JSON writes it inside a string. */
    private int set(int[][] ranges) {
        int[][] set = normalize(ranges);
        String key = java.util.Arrays.deepToString(set);
        Integer known = setRules.get(key);
        if (known != null) return known;
        int rule = b.newRule();
        long[] plain = new long[2];
        for (int[] r : set) {
            for (int c = r[0]; c <= Math.min(r[1], 0x7F); c++) {
                if (c >= 0x20 && c != '"' && c != '\\') plain[c >>> 6] |= 1L << (c & 63);
                else b.alternative(rule, b.literal(jsonEscape(c)));
            }
        }
        List<Integer> bytes = new ArrayList<>();
        for (int c = 0; c < 128; c++) if ((plain[c >>> 6] & (1L << (c & 63))) != 0) {
            bytes.add(c);
            bytes.add(c);
        }
        if (!bytes.isEmpty()) b.alternative(rule, b.bytes(bytes.stream().mapToInt(Integer::intValue).toArray()));
        for (int[] r : set) if (r[1] >= 0x80) utf8Ranges(Math.max(r[0], 0x80), r[1], rule);
        setRules.put(key, rule);
        return rule;
    }

    private static String jsonEscape(int c) {
        return switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> String.format("\\u%04x", c);
        };
    }

    /** Alternatives of byte ranges whose UTF-8 sequences are exactly the code points [lo, hi] (RE2's split). */
    private void utf8Ranges(int lo, int hi, int rule) {
        for (int limit : new int[] {0x7FF, 0xFFFF}) {
            if (lo <= limit && hi > limit) {
                utf8Ranges(lo, limit, rule);
                utf8Ranges(limit + 1, hi, rule);
                return;
            }
        }
        int length = lo <= 0x7FF ? 2 : lo <= 0xFFFF ? 3 : 4;
        for (int i = 1; i < length; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    utf8Ranges(lo, lo | m, rule);
                    utf8Ranges((lo | m) + 1, hi, rule);
                    return;
                }
                if ((hi & m) != m) {
                    utf8Ranges(lo, (hi & ~m) - 1, rule);
                    utf8Ranges(hi & ~m, hi, rule);
                    return;
                }
            }
        }
        byte[] a = new String(Character.toChars(lo)).getBytes(StandardCharsets.UTF_8);
        byte[] z = new String(Character.toChars(hi)).getBytes(StandardCharsets.UTF_8);
        int[] sequence = new int[a.length];
        for (int k = 0; k < a.length; k++) sequence[k] = b.bytes(a[k] & 0xff, z[k] & 0xff);
        b.alternative(rule, sequence);
    }

    private int repeat(int[] sequence, int min, int max) {
        return b.repeat(sequence, min, max);
    }
}
