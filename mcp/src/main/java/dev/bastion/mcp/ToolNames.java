package dev.bastion.mcp;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Full tool names are {@code namespace__tool}. Namespaces are lower-case ASCII without underscores, so the first
 * {@code __} always splits a full name one way only; policy rules match full names after {@link #parse}, never raw
 * client strings.
 */
public final class ToolNames {

    public static final String SEPARATOR = "__";
    public static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** What MCP clients and chat templates accept as a tool name (the MCP spec's recommendation, and OpenAI's). */
    public static final Pattern FULL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private ToolNames() {
    }

    public record Parsed(String namespace, String tool) {
        public String full() {
            return namespace + SEPARATOR + tool;
        }
    }

    public static String full(String namespace, String tool) {
        return new Parsed(namespace, tool).full();
    }

    /** Splits a client-given full name; empty when it is not exactly one well-formed {@code namespace__tool}. */
    public static Optional<Parsed> parse(String fullName) {
        if (fullName == null || !FULL_NAME.matcher(fullName).matches()) return Optional.empty();
        int split = fullName.indexOf(SEPARATOR);
        if (split < 0) return Optional.empty();
        String namespace = fullName.substring(0, split);
        String tool = fullName.substring(split + SEPARATOR.length());
        if (!NAMESPACE.matcher(namespace).matches() || tool.isEmpty()) return Optional.empty();
        return Optional.of(new Parsed(namespace, tool));
    }
}
