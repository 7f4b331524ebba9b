package dev.bastion.security;

import java.util.Arrays;
import java.util.Locale;

public enum Role {
    ADMIN("admin"), USER("user");

    private final String id;

    Role(String id) {
        this.id = id;
    }

    public String id() {
        return id;
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
