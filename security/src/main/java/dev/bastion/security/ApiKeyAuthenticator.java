package dev.bastion.security;

import java.util.Map;
import java.util.Optional;

/**
 * {@code Authorization: Bearer bst_…} API keys. Claims only tokens in the key format, so other bearer tokens (e.g. an
 * MCP client's) are left to the authenticators after it.
 */
public final class ApiKeyAuthenticator implements Authenticator {

    private static final String BEARER = "Bearer ";

    private final ApiKeyService keys;

    public ApiKeyAuthenticator(ApiKeyService keys) {
        this.keys = keys;
    }

    @Override
    public Optional<Authentication> authenticate(Credentials request) {
        String authorization = request.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        String token = authorization.substring(BEARER.length()).trim();
        if (!token.startsWith(ApiKeyService.KEY_MARKER)) {
            return Optional.empty();
        }
        return Optional.of(keys.authenticate(token)
                .<Authentication>map(Authentication.Authenticated::new)
                .orElseGet(() -> new Authentication.Rejected(ApiKeyService.prefixOf(token)
                        .map(prefix -> Map.of("key_prefix", prefix)).orElse(Map.of()))));
    }
}
