package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;
import java.util.Locale;

/**
 * Go's {@code fmt.Sprintf} for the verbs templates use: {@code %s %v %d %q %t %f %%}, with flags {@code -} and
 * {@code 0}, a width and a precision; Go's error forms ({@code %!d(MISSING)}, {@code %!(EXTRA …)}) for misuse. Output
 * longer than the render budget allows ends the render before it is built.
 */
final class GoFormat {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GoFormat() {}

    static String sprintf(String format, List<JsonNode> args, long maxChars, Runnable exceeded) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
            } else if (i < format.length() && format.charAt(i) == '%') {
                out.append('%');
                i++;
            } else {
                boolean left = false;
                boolean zero = false;
                while (i < format.length() && "-0+ #".indexOf(format.charAt(i)) >= 0) {
                    left |= format.charAt(i) == '-';
                    zero |= format.charAt(i) == '0';
                    i++;
                }
                int width = 0;
                while (i < format.length() && Character.isDigit(format.charAt(i))) width = digit(width, format.charAt(i++), maxChars, exceeded);
                int precision = -1;
                if (i < format.length() && format.charAt(i) == '.') {
                    i++;
                    precision = 0;
                    while (i < format.length() && Character.isDigit(format.charAt(i))) precision = digit(precision, format.charAt(i++), maxChars, exceeded);
                }
                if (i >= format.length()) {
                    out.append("%!(NOVERB)");
                    break;
                }
                char verb = format.charAt(i++);
                if (next >= args.size()) {
                    out.append("%!").append(verb).append("(MISSING)");
                    continue;
                }
                String value = verb(verb, args.get(next++), precision);
                pad(out, value, width, left, zero && !left && "df".indexOf(verb) >= 0);
            }
            if (out.length() > maxChars) exceeded.run();
        }
        if (next < args.size()) {
            out.append("%!(EXTRA ");
            for (int k = next; k < args.size(); k++) out.append(k > next ? ", " : "").append(GoTemplate.text(args.get(k)));
            out.append(')');
        }
        if (out.length() > maxChars) exceeded.run();
        return out.toString();
    }

    private static String verb(char verb, JsonNode v, int precision) {
        String text = GoTemplate.text(v);
        return switch (verb) {
            case 's', 'v' -> precision >= 0 && verb == 's' && text.length() > precision ? text.substring(0, precision) : text;
            case 'd' -> v.isIntegralNumber() ? v.asText() : "%!d(" + kind(v) + "=" + text + ")";
            case 't' -> v.isBoolean() ? text : "%!t(" + kind(v) + "=" + text + ")";
            case 'f' -> v.isNumber() ? String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f", v.asDouble())
                    : "%!f(" + kind(v) + "=" + text + ")";
            case 'q' -> quoted(text);
            default -> "%!" + verb + "(" + kind(v) + "=" + text + ")";
        };
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber()) return "int";
        if (v.isNumber()) return "float64";
        if (v.isBoolean()) return "bool";
        return v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** A double-quoted Go string; JSON's escapes are Go's for the characters that matter here. */
    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("template value cannot be quoted");
        }
    }

    private static void pad(StringBuilder out, String value, int width, boolean left, boolean zero) {
        int fill = width - value.codePointCount(0, value.length());
        if (fill <= 0) {
            out.append(value);
        } else if (left) {
            out.append(value).repeat(' ', fill);
        } else if (zero && value.startsWith("-")) {
            out.append('-').repeat('0', fill).append(value, 1, value.length());
        } else {
            out.repeat(zero ? '0' : ' ', fill).append(value);
        }
    }

    /** Accumulates a width or precision, ending the render before a number beyond the output cap pads anything. */
    private static int digit(int value, char c, long maxChars, Runnable exceeded) {
        long next = value * 10L + (c - '0');
        if (next > maxChars) exceeded.run();
        return (int) next;
    }
}
