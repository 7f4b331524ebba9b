package dev.bastion.web.account;

import dev.bastion.security.Role;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which roles must sign in with a second factor ({@value #ENV}: {@code admin}, {@code all} or {@code none}, the
 * default). A user of such a role without TOTP still signs in, but the session reaches only their account (to enrol)
 * and sign-out until they have enrolled.
 */
public record TwoFactorPolicy(Set<Role> requiredFor) {

    public static final String ENV = "BASTION_REQUIRE_2FA";
    public static final TwoFactorPolicy NONE = new TwoFactorPolicy(Set.of());

    public TwoFactorPolicy {
        requiredFor = Set.copyOf(requiredFor);
    }

    /** @throws IllegalArgumentException for any other value, so a typo cannot silently leave 2FA off */
    public static TwoFactorPolicy fromEnvironment(Map<String, String> env) {
        String value = env.getOrDefault(ENV, "").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "none" -> NONE;
            case "admin" -> new TwoFactorPolicy(Set.of(Role.ADMIN));
            case "all" -> new TwoFactorPolicy(EnumSet.allOf(Role.class));
            default -> throw new IllegalArgumentException(ENV + " must be admin, all or none");
        };
    }

    /** True when a user of this role who has no second factor may only enrol. */
    public boolean mustEnrol(Role role, boolean hasSecondFactor) {
        return !hasSecondFactor && requiredFor.contains(role);
    }
}
