package dev.bastion.engine.template;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lets templates call the Python str and dict methods stock chat templates use,
 * e.g. {@code content.strip()} or {@code properties.items()}.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (base) {
            case CharSequence text -> call(text.toString(), method.toString(), args);
            case Map<?, ?> map -> call(map, method.toString(), args);
            case null, default -> null;
        };
        // Strings only get Python's methods: Java's (e.g. repeat) would let a template allocate without bound.
        if (result == null && base instanceof CharSequence) {
            throw new ELException("str has no method '" + method + "' in chat templates");
        }
        if (result != null) context.setPropertyResolved(true);
        return result;
    }

    private static Object call(Map<?, ?> map, String method, Object[] args) {
        return switch (method) {
            case "items" -> {
                List<List<Object>> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(Arrays.asList(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            // get(key) of a missing key is None, which Jinja prints as nothing.
            case "get" -> args.length == 0 ? null : map.containsKey(args[0]) ? nullToEmpty(map.get(args[0])) : args.length > 1 ? args[1] : "";
            default -> null;
        };
    }

    private static Object nullToEmpty(Object value) {
        return value == null ? "" : value;
    }

    private static Object call(String s, String method, Object[] args) {
        String arg = args.length > 0 && args[0] != null ? args[0].toString() : null;
        return switch (method) {
            case "strip" -> strip(s, arg, true, true);
            case "lstrip" -> strip(s, arg, true, false);
            case "rstrip" -> strip(s, arg, false, true);
            case "startswith" -> arg != null && s.startsWith(arg);
            case "endswith" -> arg != null && s.endsWith(arg);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "split" -> split(s, arg);
            case "replace" -> args.length >= 2 ? s.replace(arg, String.valueOf(args[1])) : null;
            case "find" -> arg == null ? null : (long) s.indexOf(arg);
            case "count" -> arg == null || arg.isEmpty() ? null : (long) ((s.length() - s.replace(arg, "").length()) / arg.length());
            default -> null;
        };
    }

    /** Python's strip family: the given chars, or else Python's whitespace. */
    static String strip(String s, String chars, boolean leading, boolean trailing) {
        int from = 0;
        int to = s.length();
        if (leading) while (from < to && strippable(s.charAt(from), chars)) from++;
        if (trailing) while (to > from && strippable(s.charAt(to - 1), chars)) to--;
        return s.substring(from, to);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's str.isspace(): Java's whitespace plus the no-break spaces and NEL. */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || c == '\u00A0' || c == '\u2007' || c == '\u202F' || c == '\u0085';
    }

    /** Python's title(): a letter after a non-letter is upper-cased, other letters lower-cased. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousIsLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousIsLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousIsLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    /** Python's split(): no separator means runs of whitespace, dropping empty parts. */
    private static List<String> split(String s, String separator) {
        if (separator == null) {
            List<String> words = new ArrayList<>();
            int start = -1;
            for (int i = 0; i <= s.length(); i++) {
                boolean space = i == s.length() || isPythonSpace(s.charAt(i));
                if (space && start >= 0) {
                    words.add(s.substring(start, i));
                    start = -1;
                } else if (!space && start < 0) {
                    start = i;
                }
            }
            return words;
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = s.indexOf(separator); i >= 0 && !separator.isEmpty(); i = s.indexOf(separator, start)) {
            parts.add(s.substring(start, i));
            start = i + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
