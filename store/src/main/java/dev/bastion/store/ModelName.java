package dev.bastion.store;

import java.util.regex.Pattern;

/**
 * A model's name in the store, {@code [namespace/]name[:tag]}. Every part is validated against a strict ASCII grammar
 * so a name can be used as path components without any possibility of escaping the store.
 */
public record ModelName(String namespace, String name, String tag) {

    public static final String DEFAULT_NAMESPACE = "library";
    public static final String DEFAULT_TAG = "latest";
    public static final int MAX_LENGTH = 200;

    private static final Pattern PART = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public ModelName {
        requirePart("namespace", namespace, PART);
        requirePart("name", name, PART);
        requirePart("tag", tag, TAG);
        if (namespace.length() + name.length() + tag.length() + 2 - (namespace.equals(DEFAULT_NAMESPACE) ? namespace.length() + 1 : 0)
                > MAX_LENGTH) {
            throw new InvalidModelNameException("model name is longer than " + MAX_LENGTH + " characters");
        }
    }

    /**
     * Parses {@code [namespace/]name[:tag]}, folding namespace and name to lower case (as Ollama matches names
     * case-insensitively: {@code Llama3} is {@code llama3}); the store matches tags case-insensitively.
     */
    public static ModelName parse(String text) {
        if (text == null || text.isEmpty()) throw new InvalidModelNameException("model name is empty");
        if (text.length() > MAX_LENGTH) {
            throw new InvalidModelNameException("model name is longer than " + MAX_LENGTH + " characters: '" + printable(text) + "'");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':');
            if (!allowed) {
                throw new InvalidModelNameException("model name '" + printable(text) + "' contains the forbidden character "
                        + describe(c) + " at position " + i + "; allowed: a-z 0-9 . _ - with one optional '/' and ':'");
            }
        }
        if (text.contains("..")) throw new InvalidModelNameException("model name '" + text + "' must not contain '..'");
        int slash = text.indexOf('/');
        if (slash != text.lastIndexOf('/')) {
            throw new InvalidModelNameException("model name '" + text + "' has more than one '/'; expected [namespace/]name[:tag]");
        }
        int colon = text.indexOf(':');
        if (colon != text.lastIndexOf(':') || (colon >= 0 && colon < slash)) {
            throw new InvalidModelNameException("model name '" + text + "' is not of the form [namespace/]name[:tag]");
        }
        // Ollama matches names case-insensitively; stored namespaces and names are lower case (ASCII, checked above).
        String namespace = slash < 0 ? DEFAULT_NAMESPACE : text.substring(0, slash).toLowerCase(java.util.Locale.ROOT);
        String name = text.substring(slash + 1, colon < 0 ? text.length() : colon).toLowerCase(java.util.Locale.ROOT);
        String tag = colon < 0 ? DEFAULT_TAG : text.substring(colon + 1);
        return new ModelName(namespace, name, tag);
    }

    /**
     * Whether {@code userName} can be that user's own namespace: it follows the namespace grammar and is not the
     * shared default namespace (which only admins and the operator write).
     */
    public static boolean isUserNamespace(String userName) {
        return userName != null && PART.matcher(userName).matches() && !userName.contains("..")
                && !userName.equals(DEFAULT_NAMESPACE);
    }

    /** Whether {@code text} names its namespace ({@code ns/name}); an unqualified name is resolved by its reader. */
    public static boolean isQualified(String text) {
        return text.indexOf('/') >= 0;
    }

    /** The short form: the default namespace is left out, like Ollama ({@code llama3:latest}, {@code alice/mine:v1}). */
    @Override
    public String toString() {
        return (namespace.equals(DEFAULT_NAMESPACE) ? "" : namespace + "/") + name + ":" + tag;
    }

    private static void requirePart(String what, String value, Pattern grammar) {
        if (value == null || value.isEmpty()) throw new InvalidModelNameException("model " + what + " is empty");
        if (!grammar.matcher(value).matches() || value.contains("..")) {
            throw new InvalidModelNameException("model " + what + " '" + printable(value) + "' must match " + grammar.pattern()
                    + " and not contain '..'");
        }
    }

    /** Hostile names end up in error messages and logs: never echo control characters, and keep them short. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 80; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.length() < 80 ? out.toString() : out + "...";
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
