package dev.bastion.security;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which browser origins may call the API. Default: loopback origins only, on any port. Allowed origins are echoed
 * back exactly; a wildcard is never sent.
 */
public final class CorsPolicy {

    private static final Pattern LOOPBACK = Pattern.compile("http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d{1,5})?");
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    /** The MCP headers let browser-based MCP clients on an allowed origin use {@code /mcp}. */
    static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id, Mcp-Session-Id, MCP-Protocol-Version";
    static final String EXPOSED_HEADERS = "X-Request-Id, Retry-After, Mcp-Session-Id";
    private static final Set<String> ALLOWED_METHOD_SET = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS");

    private final Set<String> origins;

    private CorsPolicy(Set<String> origins) {
        this.origins = origins;
    }

    /** Empty list = loopback only. Entries must be exact origins ({@code scheme://host[:port]}); {@code *} is refused. */
    public static CorsPolicy of(List<String> allowedOrigins) {
        return new CorsPolicy(Set.copyOf(allowedOrigins.stream().map(CorsPolicy::validate).toList()));
    }

    public static CorsPolicy loopbackOnly() {
        return new CorsPolicy(Set.of());
    }

    private static String validate(String origin) {
        if (origin.contains("*")) {
            throw new IllegalArgumentException("CORS origin '" + origin + "': wildcards are not allowed, list origins exactly");
        }
        URI uri;
        try {
            uri = new URI(origin);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("CORS origin '" + origin + "' is not a valid origin", e);
        }
        if (uri.getScheme() == null || uri.getHost() == null || !(uri.getPath() == null || uri.getPath().isEmpty())
                || uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException("CORS origin '" + origin + "' must look like scheme://host[:port]");
        }
        return origin.toLowerCase(Locale.ROOT);
    }

    public boolean allows(String origin) {
        if (origin == null) {
            return false;
        }
        if (origins.isEmpty()) {
            return LOOPBACK.matcher(origin).matches();
        }
        return origins.contains(origin.toLowerCase(Locale.ROOT));
    }

    /** Headers for an actual (non-preflight) request from an allowed origin. */
    public Map<String, String> responseHeaders(String origin) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Access-Control-Allow-Origin", origin);
        headers.put("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        headers.put("Vary", "Origin");
        return headers;
    }

    /** Headers answering a preflight; empty when the preflight must be refused. */
    public Map<String, String> preflightHeaders(String origin, String requestedMethod) {
        if (!allows(origin) || requestedMethod == null || !ALLOWED_METHOD_SET.contains(requestedMethod)) {
            return Map.of();
        }
        Map<String, String> headers = responseHeaders(origin);
        headers.put("Access-Control-Allow-Methods", ALLOWED_METHODS);
        headers.put("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        headers.put("Access-Control-Max-Age", "600");
        return headers;
    }
}
