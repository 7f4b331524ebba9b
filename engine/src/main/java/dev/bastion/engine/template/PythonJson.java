package dev.bastion.engine.template;

import java.util.Collection;
import java.util.Map;

/** Serializes like Python's {@code json.dumps(value, ensure_ascii=False, indent=…)}, which HF's {@code tojson} uses. */
final class PythonJson {

    private PythonJson() {}

    static String dumps(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        write(value, indent, 0, out);
        return out.toString();
    }

    private static void write(Object value, Integer indent, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d when d == Math.rint(d) && !Double.isInfinite(d) -> out.append(d);
            case Number n -> out.append(n);
            case CharSequence s -> string(s.toString(), out);
            case Map<?, ?> map -> container('{', '}', map.entrySet(), indent, depth, out, (e, o) -> {
                Map.Entry<?, ?> entry = (Map.Entry<?, ?>) e;
                string(String.valueOf(entry.getKey()), o);
                o.append(": ");
                write(entry.getValue(), indent, depth + 1, o);
            });
            case Collection<?> list -> container('[', ']', list, indent, depth, out, (e, o) -> write(e, indent, depth + 1, o));
            case Object[] array -> write(java.util.Arrays.asList(array), indent, depth, out);
            default -> string(value.toString(), out);
        }
    }

    private interface ItemWriter {
        void write(Object item, StringBuilder out);
    }

    /** Python uses ", " between items without indent, "," plus a newline with it. */
    private static void container(char open, char close, Collection<?> items, Integer indent, int depth,
                                  StringBuilder out, ItemWriter writer) {
        out.append(open);
        if (items.isEmpty()) {
            out.append(close);
            return;
        }
        boolean first = true;
        for (Object item : items) {
            if (!first) out.append(indent == null ? ", " : ",");
            if (indent != null) out.append('\n').append(" ".repeat(indent * (depth + 1)));
            writer.write(item, out);
            first = false;
        }
        if (indent != null) out.append('\n').append(" ".repeat(indent * depth));
        out.append(close);
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
