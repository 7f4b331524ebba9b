package dev.bastion.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** What an API key may do. */
public enum Scope {
    MODELS_USE("models:use"), MODELS_MANAGE("models:manage"), ADMIN("admin");

    private final String id;

    Scope(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Scope parse(String value) {
        String trimmed = value == null ? "" : value.trim();
        return Arrays.stream(values()).filter(s -> s.id.equals(trimmed)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scope '" + value
                        + "' (expected models:use, models:manage or admin)"));
    }

    /** Parses a space- or comma-separated list, e.g. as stored in the database. */
    public static Set<Scope> parseAll(String list) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String part : list.split("[ ,]+")) {
            if (!part.isBlank()) {
                scopes.add(parse(part));
            }
        }
        return scopes;
    }

    public static String format(Collection<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::id).collect(Collectors.joining(" "));
    }

    @Override
    public String toString() {
        return id;
    }
}
