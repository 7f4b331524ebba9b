package dev.bastion.mcp.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One allow or deny rule on full tool names, for a role ({@code admin}, {@code user}) or for one user by name.
 *
 * @param pattern a full tool name in which {@code *} matches any run of characters ({@code files__*}, {@code *})
 */
public record PolicyRule(long id, Kind kind, String subject, String pattern, Effect effect) {

    public enum Kind {
        ROLE, USER;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String value) {
            return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
                case "role" -> ROLE;
                case "user" -> USER;
                default -> throw new IllegalArgumentException("unknown rule subject kind '" + value + "' (expected role or user)");
            };
        }
    }

    public enum Effect {
        ALLOW, DENY;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Effect parse(String value) {
            return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
                case "allow" -> ALLOW;
                case "deny" -> DENY;
                default -> throw new IllegalArgumentException("unknown rule effect '" + value + "' (expected allow or deny)");
            };
        }
    }

    /** What a pattern may contain: tool-name characters plus {@code *}. */
    private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_.*-]{1,128}");
    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public PolicyRule {
        if (kind == null || effect == null) throw new IllegalArgumentException("a rule needs a kind and an effect");
        if (subject == null || !SUBJECT.matcher(subject).matches()) {
            throw new IllegalArgumentException("invalid rule subject (a role or user name)");
        }
        if (kind == Kind.ROLE) dev.bastion.security.Role.parse(subject);
        if (pattern == null || !PATTERN.matcher(pattern).matches()) {
            throw new IllegalArgumentException("invalid tool pattern (letters, digits, '_', '.', '-' and '*', at most 128)");
        }
    }

    public static PolicyRule of(Kind kind, String subject, String pattern, Effect effect) {
        return new PolicyRule(0, kind, subject, pattern, effect);
    }

    /** Whether the rule names this full tool name (one already parsed by {@link dev.bastion.mcp.ToolNames#parse}). */
    public boolean matches(String fullName) {
        return glob(pattern, 0, fullName, 0);
    }

    /** Iterative {@code *} matching with one backtrack point: linear in practice, no regex to blow up. */
    private static boolean glob(String pattern, int p, String name, int n) {
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = n;
            } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
                p++;
                n++;
            } else if (star >= 0) {
                p = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') p++;
        return p == pattern.length();
    }
}
