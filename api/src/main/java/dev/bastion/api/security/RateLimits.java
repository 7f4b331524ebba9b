package dev.bastion.api.security;

import dev.bastion.security.Role;

import java.time.Duration;

/** Requests allowed per window: per API key (by the key owner's role) and per client IP. 0 disables a limit. */
public record RateLimits(int perKeyUser, int perKeyAdmin, int perIp, Duration window) {

    public RateLimits {
        if (perKeyUser < 0 || perKeyAdmin < 0 || perIp < 0) {
            throw new IllegalArgumentException("rate limits must be >= 0, got user=" + perKeyUser + " admin="
                    + perKeyAdmin + " ip=" + perIp);
        }
        if (window == null || window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("rate limit window must be positive, got " + window);
        }
    }

    public static RateLimits defaults() {
        return new RateLimits(600, 1200, 1200, Duration.ofMinutes(1));
    }

    public int perKey(Role role) {
        return role == Role.ADMIN ? perKeyAdmin : perKeyUser;
    }
}
