package dev.bastion.security;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What an API key may do, by its stored id (e.g. {@code models:use}). A value, not an enum: a module adds its own
 * scope with {@link #define} without touching this class.
 */
public record Scope(String id) implements Comparable<Scope> {

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,31}(:[a-z][a-z0-9-]{0,31})?");

    public static final Scope MODELS_USE = new Scope("models:use");
    public static final Scope MODELS_MANAGE = new Scope("models:manage");
    public static final Scope ADMIN = new Scope("admin");
    /** Reading the node's Prometheus metrics ({@code GET /metrics}) and nothing else: a scraper's key. */
    public static final Scope METRICS_READ = new Scope("metrics:read");

    /** The scopes keys may be issued with: the well-known ones plus every module's. */
    private static final Set<Scope> KNOWN = new CopyOnWriteArraySet<>(List.of(MODELS_USE, MODELS_MANAGE, ADMIN, METRICS_READ));
    /** Scopes only admins' keys may carry: they reveal or change the whole server, not one user's share of it. */
    private static final Set<Scope> ADMIN_ONLY = Set.of(ADMIN, METRICS_READ);

    public Scope {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("malformed scope id (expected e.g. 'models:use')");
        }
    }

    /** Whether only keys of users with the admin role may carry this scope. */
    public boolean adminOnly() {
        return ADMIN_ONLY.contains(this);
    }

    /** Makes a module's scope known, so keys can be issued with it; idempotent. */
    public static Scope define(String id) {
        Scope scope = new Scope(id);
        KNOWN.add(scope);
        return scope;
    }

    /** Every scope keys may be issued with, sorted. */
    public static Set<Scope> known() {
        return new TreeSet<>(KNOWN);
    }

    /** Parses a scope named by a user (CLI, API): only known scopes, so a typo is not issued as a useless key. */
    public static Scope parse(String value) {
        String trimmed = value == null ? "" : value.trim();
        return KNOWN.stream().filter(s -> s.id.equals(trimmed)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scope '" + value + "' (expected "
                        + known().stream().map(Scope::id).collect(Collectors.joining(", ")) + ")"));
    }

    /**
     * Parses a space- or comma-separated list as stored in the database. Ids this build does not know (a removed
     * module's) are kept: they grant nothing unless a route requires them.
     */
    public static Set<Scope> parseAll(String list) {
        Set<Scope> scopes = new LinkedHashSet<>();
        for (String part : list.split("[ ,]+")) {
            if (!part.isBlank()) {
                scopes.add(new Scope(part));
            }
        }
        return scopes;
    }

    public static String format(Collection<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::id).collect(Collectors.joining(" "));
    }

    @Override
    public int compareTo(Scope other) {
        return id.compareTo(other.id);
    }

    @Override
    public String toString() {
        return id;
    }
}
