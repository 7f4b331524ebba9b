package dev.bastion.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

public enum Role {
    ADMIN("admin"), USER("user");

    private final String id;

    Role(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The scopes a key of a user with this role may carry: all known ones, except the admin-only ones for plain users. */
    public Set<Scope> grantableScopes() {
        return Scope.known().stream().filter(s -> this == ADMIN || !s.adminOnly()).collect(Collectors.toSet());
    }

    public static Role parse(String value) {
        String normalized = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(r -> r.id.equals(normalized)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown role '" + value + "' (expected admin or user)"));
    }

    @Override
    public String toString() {
        return id;
    }
}
