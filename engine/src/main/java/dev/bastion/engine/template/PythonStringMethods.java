package dev.bastion.engine.template;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** Lets templates call the Python str methods stock chat templates use, e.g. {@code content.strip()}. */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence text) || method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(text.toString(), method.toString(), args);
        if (result != null) context.setPropertyResolved(true);
        return result;
    }

    private static Object call(String s, String method, Object[] args) {
        String arg = args.length > 0 && args[0] != null ? args[0].toString() : null;
        return switch (method) {
            case "strip" -> arg == null ? s.strip() : stripChars(stripChars(s, arg, true), arg, false);
            case "lstrip" -> arg == null ? s.stripLeading() : stripChars(s, arg, true);
            case "rstrip" -> arg == null ? s.stripTrailing() : stripChars(s, arg, false);
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

    private static String stripChars(String s, String chars, boolean leading) {
        int from = 0;
        int to = s.length();
        if (leading) while (from < to && chars.indexOf(s.charAt(from)) >= 0) from++;
        else while (to > from && chars.indexOf(s.charAt(to - 1)) >= 0) to--;
        return s.substring(from, to);
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
            String stripped = s.strip();
            return stripped.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(stripped.split("\\s+")));
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
