package dev.bastion.security;

import java.util.Map;
import java.util.Optional;

/**
 * {@code Authorization: Bearer bst_…} API keys, or {@code x-api-key: bst_…} as Anthropic's SDKs send them. Claims only
 * tokens in the key format, so other bearer tokens (e.g. an MCP client's) are left to the authenticators after it. A
 * request carrying a key in both headers must carry the same one.
 */
public final class ApiKeyAuthenticator implements Authenticator {

    private static final String BEARER = "Bearer ";
    /** Anthropic's header for the key. */
    public static final String X_API_KEY = "x-api-key";

    private final ApiKeyService keys;

    public ApiKeyAuthenticator(ApiKeyService keys) {
        this.keys = keys;
    }

    @Override
    public Optional<Authentication> authenticate(Credentials request) {
        String bearer = bearerKey(request.header("Authorization"));
        String xApiKey = request.header(X_API_KEY);
        String headerKey = xApiKey == null ? null : xApiKey.trim();
        if (headerKey != null && !headerKey.startsWith(ApiKeyService.KEY_MARKER)) headerKey = null;
        if (bearer == null && headerKey == null) {
            return Optional.empty();
        }
        if (bearer != null && headerKey != null && !bearer.equals(headerKey)) {
            return Optional.of(new Authentication.Rejected(Map.of("reason_detail", "different keys in Authorization and x-api-key")));
        }
        String token = bearer != null ? bearer : headerKey;
        return Optional.of(keys.authenticate(token)
                .<Authentication>map(Authentication.Authenticated::new)
                .orElseGet(() -> new Authentication.Rejected(ApiKeyService.prefixOf(token)
                        .map(prefix -> Map.of("key_prefix", prefix)).orElse(Map.of()))));
    }

    /** The key of an {@code Authorization: Bearer bst_…} header, else null. */
    private static String bearerKey(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.startsWith(ApiKeyService.KEY_MARKER) ? token : null;
    }
}
