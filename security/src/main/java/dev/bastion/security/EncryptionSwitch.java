package dev.bastion.security;

import java.util.Locale;
import java.util.Map;

/**
 * The home's encryption switch, {@code BASTION_ENCRYPT_MODELS}: when on, new model blobs (store) and new chat history
 * (web) are written encrypted. Read in one place so both follow the same value and a typo is an error everywhere.
 */
public final class EncryptionSwitch {

    public static final String ENV = "BASTION_ENCRYPT_MODELS";

    private EncryptionSwitch() {}

    /** Whether the switch is on ({@code on}, {@code true}, {@code 1}); anything else but off is an error. */
    public static boolean on(Map<String, String> env) {
        String value = env.getOrDefault(ENV, "off").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "on", "true", "1" -> true;
            case "off", "false", "0", "" -> false;
            default -> throw new IllegalArgumentException(ENV + " must be on or off, not '" + value + "'");
        };
    }
}
