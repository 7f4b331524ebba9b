package dev.bastion.security;

import java.time.Instant;
import java.util.Set;

/** What is stored about a key (never the secret itself). */
public record ApiKey(String prefix, String userName, Set<Scope> scopes, String name, Instant createdAt,
                     Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {

    public boolean isActive(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
}
