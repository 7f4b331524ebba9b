package dev.bastion.mcp.upstream;

import dev.bastion.mcp.ToolNames;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A registered upstream MCP server: a command started over stdio, or a Streamable HTTP URL. The {@code secret*} maps
 * are stored sealed with the server secret and never shown again; the others are plain settings.
 *
 * @param command for {@link Kind#STDIO}: the executable and its arguments; empty for HTTP
 * @param url for {@link Kind#HTTP}; null for stdio
 */
public record UpstreamConfig(String name, Kind kind, List<String> command, Map<String, String> env,
                             Map<String, String> secretEnv, String url, Map<String, String> headers,
                             Map<String, String> secretHeaders, boolean enabled, String createdBy, Instant createdAt) {

    public enum Kind {
        STDIO, HTTP;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT));
        }
    }

    /** The built-in tool families' namespaces: an upstream cannot take them. */
    public static final Set<String> RESERVED = Set.of("files", "shell", "docker");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** RFC 9110 token characters. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    /** Set by the HTTP client or the transport itself; letting an admin override them would break the protocol. */
    private static final Set<String> FORBIDDEN_HEADERS = Set.of("host", "content-length", "connection", "upgrade",
            "expect", "transfer-encoding", "content-type", "accept", "mcp-session-id", "mcp-protocol-version");

    public UpstreamConfig {
        validateName(name);
        command = List.copyOf(command);
        env = sorted(env);
        secretEnv = sorted(secretEnv);
        headers = sorted(headers);
        secretHeaders = sorted(secretHeaders);
        if (kind == Kind.STDIO) {
            if (command.isEmpty() || command.getFirst().isBlank()) throw new IllegalArgumentException("a stdio upstream needs a command");
            if (url != null) throw new IllegalArgumentException("a stdio upstream has no URL");
            if (!headers.isEmpty() || !secretHeaders.isEmpty()) throw new IllegalArgumentException("headers are for HTTP upstreams");
        } else {
            validateUrl(url);
            if (!command.isEmpty()) throw new IllegalArgumentException("an HTTP upstream has no command");
            if (!env.isEmpty() || !secretEnv.isEmpty()) throw new IllegalArgumentException("environment variables are for stdio upstreams");
        }
        for (String key : keys(env, secretEnv)) {
            if (!ENV_NAME.matcher(key).matches()) throw new IllegalArgumentException("not an environment variable name: " + printable(key));
        }
        Set<String> headerKeys = new java.util.HashSet<>();
        for (String key : keys(headers, secretHeaders)) {
            // HTTP header names are case-insensitive: X-A and x-a would be one header with two values.
            if (!headerKeys.add(key.toLowerCase(Locale.ROOT))) throw new IllegalArgumentException("header " + printable(key) + " is given twice");
            if (!HEADER_NAME.matcher(key).matches()) throw new IllegalArgumentException("not a header name: " + printable(key));
            if (FORBIDDEN_HEADERS.contains(key.toLowerCase(Locale.ROOT))) throw new IllegalArgumentException("header " + key + " cannot be set");
        }
        for (String value : values(env, secretEnv, headers, secretHeaders)) {
            if (value.indexOf('\0') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("values cannot hold NUL or line breaks");
            }
        }
    }

    public static UpstreamConfig stdio(String name, List<String> command, Map<String, String> env,
                                       Map<String, String> secretEnv, String createdBy) {
        return new UpstreamConfig(name, Kind.STDIO, command, env, secretEnv, null, Map.of(), Map.of(), true, createdBy, Instant.now());
    }

    public static UpstreamConfig http(String name, String url, Map<String, String> headers,
                                      Map<String, String> secretHeaders, String createdBy) {
        return new UpstreamConfig(name, Kind.HTTP, List.of(), Map.of(), Map.of(), url, headers, secretHeaders, true, createdBy, Instant.now());
    }

    /** Refuses names that are not a tool namespace or that belong to a built-in family. */
    public static void validateName(String name) {
        if (name == null || !ToolNames.NAMESPACE.matcher(name).matches()) {
            throw new IllegalArgumentException("an upstream name is 1-32 of a-z, 0-9 and '-', starting with a letter");
        }
        if (RESERVED.contains(name)) throw new IllegalArgumentException("'" + name + "' is a built-in tool namespace");
    }

    private static void validateUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url == null ? "" : url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("an HTTP upstream needs an http:// or https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("put credentials in --header-secret, not in the URL");
        }
    }

    /** The environment the process gets: plain and secret values together. */
    public Map<String, String> processEnv() {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.putAll(secretEnv);
        return all;
    }

    public Map<String, String> allHeaders() {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(secretHeaders);
        return all;
    }

    public UpstreamConfig withEnabled(boolean on) {
        return new UpstreamConfig(name, kind, command, env, secretEnv, url, headers, secretHeaders, on, createdBy, createdAt);
    }

    /** Never the secret values, which records otherwise print. */
    @Override
    public String toString() {
        return "UpstreamConfig[" + name + ", " + kind.id() + "]";
    }

    private static Map<String, String> sorted(Map<String, String> map) {
        return map == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(map));
    }

    private static Set<String> keys(Map<String, String> a, Map<String, String> b) {
        Set<String> all = new java.util.TreeSet<>(a.keySet());
        for (String key : b.keySet()) {
            if (!all.add(key)) throw new IllegalArgumentException(printable(key) + " is given twice");
        }
        return all;
    }

    @SafeVarargs
    private static List<String> values(Map<String, String>... maps) {
        return java.util.Arrays.stream(maps).flatMap(m -> m.values().stream()).toList();
    }

    /** For messages and logs: ASCII only, abbreviated. */
    public static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() <= 64 ? cleaned : cleaned.substring(0, 64) + "…";
    }
}
