package dev.bastion.security;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which browser origins may call the API. Default: loopback origins only, on any port. Allowed origins are echoed
 * back exactly; a wildcard is never sent.
 *
 * <p>Configured entries are exact origins ({@code https://app.example.com}) or, as Ollama's {@code OLLAMA_ORIGINS}
 * allows, patterns: {@code scheme://*} for an app scheme ({@code vscode-webview://*}, {@code app://*}: any origin of
 * that scheme; refused for http and https, which would open the API to every web site) and {@code scheme://*.domain}
 * for the subdomains of a domain. An origin is matched after being parsed into scheme and authority, so no text
 * hidden after a {@code #}, {@code /} or {@code @} can make a pattern match.
 */
public final class CorsPolicy {

    private static final Pattern LOOPBACK = Pattern.compile("http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d{1,5})?");
    /** What a browser sends as Origin: a scheme and an authority, nothing else (host, optional port). */
    private static final Pattern ORIGIN = Pattern.compile("([a-z][a-z0-9+.-]{0,31})://([a-z0-9.-]{1,253}|\\[[0-9a-f:.]{2,45}])(:\\d{1,5})?");
    private static final Pattern APP_SCHEME_PATTERN = Pattern.compile("([a-z][a-z0-9+.-]{0,31})://\\*");
    private static final Pattern SUBDOMAIN_PATTERN = Pattern.compile("([a-z][a-z0-9+.-]{0,31})://\\*\\.([a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})+)(:\\d{1,5})?");
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    /**
     * What the OpenAI and Anthropic SDKs send from a browser, besides our own; the MCP headers let browser-based MCP
     * clients on an allowed origin use {@code /mcp}.
     */
    static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id, Accept, User-Agent, OpenAI-Beta, "
            + "OpenAI-Organization, OpenAI-Project, x-api-key, anthropic-version, anthropic-beta, "
            + "anthropic-dangerous-direct-browser-access, x-stainless-arch, x-stainless-lang, x-stainless-os, "
            + "x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, "
            + "x-stainless-timeout, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
    /** The SDKs add further {@code x-stainless-*} headers over time; a preflight asking for one gets it allowed. */
    private static final Pattern STAINLESS = Pattern.compile("x-stainless-[a-z0-9-]{1,64}");
    static final String EXPOSED_HEADERS = "X-Request-Id, Retry-After, Mcp-Session-Id";
    private static final Set<String> ALLOWED_METHOD_SET = Set.of("GET, HEAD, POST, PUT, DELETE, OPTIONS".split(", "));

    private final Set<String> origins;
    private final Set<String> anyOfScheme;
    private final List<Subdomains> subdomains;

    private record Subdomains(String scheme, String domain, String port) {
        boolean matches(String scheme, String host, String port) {
            return this.scheme.equals(scheme) && host.endsWith("." + domain) && host.length() > domain.length() + 1
                    && java.util.Objects.equals(this.port, port);
        }
    }

    private CorsPolicy(Set<String> origins, Set<String> anyOfScheme, List<Subdomains> subdomains) {
        this.origins = origins;
        this.anyOfScheme = anyOfScheme;
        this.subdomains = subdomains;
    }

    /**
     * Empty list = loopback only. Entries are exact origins ({@code scheme://host[:port]}) or the patterns above;
     * {@code *}, {@code http://*} and any other wildcard are refused.
     */
    public static CorsPolicy of(List<String> allowedOrigins) {
        Set<String> exact = new java.util.HashSet<>();
        Set<String> schemes = new java.util.HashSet<>();
        List<Subdomains> subdomains = new java.util.ArrayList<>();
        for (String entry : allowedOrigins) {
            String origin = entry.strip().toLowerCase(Locale.ROOT);
            Matcher app = APP_SCHEME_PATTERN.matcher(origin);
            Matcher sub = SUBDOMAIN_PATTERN.matcher(origin);
            if (app.matches()) {
                if (app.group(1).equals("http") || app.group(1).equals("https")) {
                    throw new IllegalArgumentException("CORS origin '" + entry + "': a wildcard for every web site is not"
                            + " allowed; list origins exactly or use scheme://*.domain");
                }
                schemes.add(app.group(1));
            } else if (sub.matches()) {
                subdomains.add(new Subdomains(sub.group(1), sub.group(2), sub.group(4)));
            } else {
                exact.add(validate(entry));
            }
        }
        return new CorsPolicy(Set.copyOf(exact), Set.copyOf(schemes), List.copyOf(subdomains));
    }

    public static CorsPolicy loopbackOnly() {
        return new CorsPolicy(Set.of(), Set.of(), List.of());
    }

    private static String validate(String origin) {
        if (origin.contains("*")) {
            throw new IllegalArgumentException("CORS origin '" + origin + "': wildcards are only allowed as scheme://* "
                    + "(not http or https) or scheme://*.domain; list other origins exactly");
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
        boolean configured = !origins.isEmpty() || !anyOfScheme.isEmpty() || !subdomains.isEmpty();
        if (!configured) {
            return LOOPBACK.matcher(origin).matches();
        }
        String lower = origin.toLowerCase(Locale.ROOT);
        if (origins.contains(lower)) {
            return true;
        }
        Matcher m = ORIGIN.matcher(lower);
        if (!m.matches()) {
            return false;
        }
        String scheme = m.group(1);
        String host = m.group(2);
        String port = m.group(3);
        return anyOfScheme.contains(scheme) || subdomains.stream().anyMatch(s -> s.matches(scheme, host, port));
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
        return preflightHeaders(origin, requestedMethod, null);
    }

    /**
     * As {@link #preflightHeaders(String, String)}; {@code requestedHeaders} (the preflight's
     * {@code Access-Control-Request-Headers}, may be null) adds the {@code x-stainless-*} names it lists.
     */
    public Map<String, String> preflightHeaders(String origin, String requestedMethod, String requestedHeaders) {
        if (!allows(origin) || requestedMethod == null || !ALLOWED_METHOD_SET.contains(requestedMethod)) {
            return Map.of();
        }
        Map<String, String> headers = responseHeaders(origin);
        headers.put("Access-Control-Allow-Methods", ALLOWED_METHODS);
        StringBuilder allowed = new StringBuilder(ALLOWED_HEADERS);
        if (requestedHeaders != null) {
            java.util.Arrays.stream(requestedHeaders.split(",")).map(h -> h.strip().toLowerCase(Locale.ROOT))
                    .filter(h -> STAINLESS.matcher(h).matches() && !ALLOWED_HEADERS.contains(h)).distinct().limit(32)
                    .forEach(h -> allowed.append(", ").append(h));
        }
        headers.put("Access-Control-Allow-Headers", allowed.toString());
        headers.put("Access-Control-Max-Age", "600");
        return headers;
    }
}
