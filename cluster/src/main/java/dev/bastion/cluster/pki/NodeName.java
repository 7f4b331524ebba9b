package dev.bastion.cluster.pki;

import java.util.regex.Pattern;

/**
 * A node's name: one lower-case DNS label (letters, digits, inner hyphens; 1–63 characters). It becomes a certificate
 * subject and a directory name, so anything that could climb out of a directory, hide in a log line or look like
 * another name (separators, dots, spaces, control or non-ASCII characters) is refused.
 */
public final class NodeName {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private NodeName() {
    }

    /** Returns {@code name} if it is a valid node name; otherwise an error that says what a name may contain. */
    public static String require(String name) {
        if (name == null || !LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid node name " + quoted(name)
                    + ": use 1-63 lower-case letters, digits and inner hyphens (e.g. node-a)");
        }
        return name;
    }

    /** Quotes untrusted text for an error message, showing control and non-ASCII characters as escapes. */
    static String quoted(String text) {
        if (text == null) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder("'");
        text.codePoints().limit(80).forEach(c -> {
            if (c >= 0x20 && c < 0x7f && c != '\'') {
                out.append((char) c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return out.append(text.length() > 80 ? "...'" : "'").toString();
    }
}
