package dev.bastion.api.security;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bastion.security.ApiKey;
import dev.bastion.security.CreatedKey;
import dev.bastion.security.Scope;
import dev.bastion.security.User;

import java.time.Instant;
import java.util.List;

/** The JSON bodies of the user and key routes; field names are the public (snake_case) API. */
final class AdminViews {

    private AdminViews() {
    }

    record UserView(String name, String role, boolean disabled, @JsonProperty("created_at") String createdAt) {
        static UserView of(User user) {
            return new UserView(user.name(), user.role().id(), user.disabled(), user.createdAt().toString());
        }
    }

    /** A key's metadata; never its secret. */
    record KeyView(String prefix, String user, List<String> scopes, String name,
                   @JsonProperty("created_at") String createdAt, @JsonProperty("expires_at") String expiresAt,
                   boolean revoked, @JsonProperty("last_used_at") String lastUsedAt) {
        static KeyView of(ApiKey key) {
            return new KeyView(key.prefix(), key.userName(), key.scopes().stream().sorted().map(Scope::id).toList(),
                    key.name(), key.createdAt().toString(), text(key.expiresAt()), key.revokedAt() != null,
                    text(key.lastUsedAt()));
        }
    }

    /** The answer to creating a key: its metadata and, this once, its secret. */
    record CreatedKeyView(String prefix, String user, List<String> scopes, String name,
                          @JsonProperty("created_at") String createdAt, @JsonProperty("expires_at") String expiresAt,
                          boolean revoked, @JsonProperty("last_used_at") String lastUsedAt, String key) {
        static CreatedKeyView of(CreatedKey created) {
            KeyView v = KeyView.of(created.key());
            return new CreatedKeyView(v.prefix(), v.user(), v.scopes(), v.name(), v.createdAt(), v.expiresAt(),
                    v.revoked(), v.lastUsedAt(), created.secret());
        }
    }

    record UserDisabled(String name, boolean disabled) {
        UserDisabled(String name) {
            this(name, true);
        }
    }

    /** @param activeKeys the user's unrevoked, unexpired keys, which work again */
    record UserEnabled(String name, boolean disabled, @JsonProperty("active_keys") long activeKeys) {
        UserEnabled(String name, long activeKeys) {
            this(name, false, activeKeys);
        }
    }

    record KeyRevoked(String prefix, boolean revoked) {
        KeyRevoked(String prefix) {
            this(prefix, true);
        }
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
