package dev.bastion.engine.template;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the Jinja2 (Python) syntax of chat templates that Jinjava parses differently, inside tags only: text,
 * comments, strings and raw blocks are left alone.
 * <ul>
 *   <li>Keyword argument values get parentheses: {@code f(a=x - 1)} becomes {@code f(a=(x - 1))}. Jinjava parses
 *       {@code =} like {@code +}, so the value would end at the first additive operator and
 *       {@code namespace(i=messages|length - 1)} (Qwen3's template) fail; in Jinja the value is a whole expression.</li>
 *   <li>{@code not x is test} becomes {@code x is not test}: Jinja binds the test first, Jinjava the {@code not}, so
 *       Llama 3.2's {@code not tools is none} was always false.</li>
 *   <li>The reversing slice {@code [::-1]}, which Jinjava cannot parse, becomes {@code |reverse}.</li>
 * </ul>
 */
final class PythonSyntax {

    /** After "(" or ",": a keyword and "=" that is not "==". */
    private static final Pattern KEYWORD = Pattern.compile("\\s*[A-Za-z_][A-Za-z_0-9]*\\s*=(?!=)");
    /** {@code not x is defined}: Jinja tests bind tighter than {@code not}, Jinjava's do not; {@code x is not defined} means it in both. */
    private static final Pattern NOT_IS_TEST = Pattern.compile("not\\s+([A-Za-z_][A-Za-z_0-9.]*)\\s+is\\s+(?!not\\b)([A-Za-z_][A-Za-z_0-9]*)\\b(?!\\s*\\()");
    private static final String REVERSED_SLICE = "[::-1]";
    private static final Pattern RAW_START = Pattern.compile("\\{%-?\\s*raw\\s*-?%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%-?\\s*endraw\\s*-?%}");

    private PythonSyntax() {}

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        Matcher rawStart = RAW_START.matcher(source);
        Matcher rawEnd = RAW_END.matcher(source);
        int i = 0;
        while (i < source.length()) {
            // lookingAt, not find(i): find would rescan the rest of the source at every position (quadratic).
            if (source.startsWith("{%", i) && rawStart.region(i, source.length()).lookingAt()) {
                int end = rawEnd.find(rawStart.end()) ? rawEnd.end() : source.length();
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("{#", i)) {
                int end = source.indexOf("#}", i + 2);
                end = end < 0 ? source.length() : end + 2;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("{{", i) || source.startsWith("{%", i)) {
                out.append(source, i, i + 2);
                i = tag(source, i + 2, out);
            } else {
                out.append(source.charAt(i++));
            }
        }
        return out.toString();
    }

    /** Copies the inside of a tag, starting at {@code i}, up to and including its closing delimiter; returns the index after it. */
    private static int tag(String source, int i, StringBuilder out) {
        // One entry per open bracket: its char, and for "(" whether a keyword value's "(" awaits its ")".
        Deque<char[]> brackets = new ArrayDeque<>();
        Matcher keyword = KEYWORD.matcher(source);
        Matcher notIsTest = NOT_IS_TEST.matcher(source);
        while (i < source.length()) {
            char c = source.charAt(i);
            if (brackets.isEmpty() && (source.startsWith("}}", i) || source.startsWith("%}", i))) {
                out.append(source, i, i + 2);
                return i + 2;
            }
            if (c == '\'' || c == '"') {
                int end = stringEnd(source, i);
                out.append(source, i, end);
                i = end;
                continue;
            }
            if (source.startsWith(REVERSED_SLICE, i)) {
                out.append("|reverse");
                i += REVERSED_SLICE.length();
                continue;
            }
            if (c == 'n' && (i == 0 || !Character.isJavaIdentifierPart(source.charAt(i - 1)))
                    && notIsTest.region(i, source.length()).lookingAt()) {
                out.append(notIsTest.group(1)).append(" is not ").append(notIsTest.group(2));
                i = notIsTest.end();
                continue;
            }
            char[] top = brackets.peek();
            if ((c == ',' || c == ')') && top != null && top[0] == '(' && top[1] == 1) {
                out.append(')');
                top[1] = 0;
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(new char[] {c, 0});
                // Jinjava parses expressions recursively: refuse at load what would overflow the stack at render.
                if (brackets.size() > RenderLimits.MAX_NESTING) {
                    throw new IllegalArgumentException("chat template nests brackets deeper than " + RenderLimits.MAX_NESTING);
                }
            }
            else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) brackets.pop();
            out.append(c);
            i++;
            top = brackets.peek();
            if ((c == '(' || c == ',') && top != null && top[0] == '(' && keyword.region(i, source.length()).lookingAt()) {
                out.append(source, i, keyword.end()).append('(');
                i = keyword.end();
                top[1] = 1;
            }
        }
        return i;
    }

    /** The index after the string literal opening at {@code start}; backslash escapes its quote. */
    private static int stringEnd(String source, int start) {
        char quote = source.charAt(start);
        int i = start + 1;
        while (i < source.length() && source.charAt(i) != quote) i += source.charAt(i) == '\\' ? 2 : 1;
        return Math.min(i + 1, source.length());
    }
}
