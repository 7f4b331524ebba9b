package dev.bastion.registry.signing;

import java.util.Locale;
import java.util.Map;

/** {@code BASTION_REQUIRE_SIGNED}: what pull, import and load do with a model that is not signed by a trusted key. */
public enum SignaturePolicy {
    /** Signatures are neither checked nor required. */
    OFF,
    /** Checked, audited and logged; an unverified model is still taken. The default. */
    WARN,
    /** Checked and audited; an unverified model is refused. */
    ENFORCE;

    public static final String ENV = "BASTION_REQUIRE_SIGNED";

    /** @throws IllegalArgumentException for a value other than off, warn or enforce (a typo must not weaken the policy) */
    public static SignaturePolicy fromEnvironment(Map<String, String> env) {
        String value = env.get(ENV);
        if (value == null || value.isBlank()) return WARN;
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "warn" -> WARN;
            case "enforce" -> ENFORCE;
            default -> throw new IllegalArgumentException(ENV + " must be off, warn or enforce");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
