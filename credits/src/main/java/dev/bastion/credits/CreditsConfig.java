package dev.bastion.credits;

import dev.bastion.security.Role;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How credits apply, from the environment.
 *
 * <ul>
 *   <li>{@code BASTION_CREDITS}: {@code on}, {@code off} or {@code auto} (default): auto is off while the home has
 *       only its bootstrap admin (one person metering themselves gains nothing) and on as soon as another user exists.
 *   <li>{@code BASTION_CREDITS_FREE_ROLES}: roles never charged, comma-separated (default {@code admin}; empty for none).
 *   <li>{@code BASTION_CREDITS_RESERVATION_TTL_SECONDS}: a reservation not settled by then is released (default 3600).
 *   <li>{@code BASTION_CREDITS_SYNC}: {@code normal} (default) or {@code full}: on SQLite, whether every ledger commit
 *       is also fsynced, surviving a power cut rather than only a crashed process, at some 10 ms a request.
 *   <li>{@code BASTION_NODE_OWNER}: the user who owns this node and earns what it charges for generations and
 *       embeddings, less the network fee (unset: charges go to {@code revenue:<subject>}).
 *   <li>{@code BASTION_NETWORK_FEE}: a percentage with at most two decimals; the network fee lives in the shared
 *       database (one for all nodes), and this only sets it there when no fee was ever set (see {@link Credits#open}).
 * </ul>
 *
 * @param nodeOwner  the owner's user name, or null
 * @param networkFee the fee this node was started with, or null
 */
public record CreditsConfig(Mode mode, Set<Role> freeRoles, Duration reservationTtl, boolean durableCommits,
                            String nodeOwner, NetworkFee networkFee) {

    public static final String ENV_NODE_OWNER = "BASTION_NODE_OWNER";
    public static final String ENV_NETWORK_FEE = "BASTION_NETWORK_FEE";

    public enum Mode { ON, OFF, AUTO }

    public static final CreditsConfig DEFAULT = new CreditsConfig(Mode.AUTO, EnumSet.of(Role.ADMIN), Duration.ofHours(1), false,
            null, null);

    public static CreditsConfig fromEnvironment(Map<String, String> env) {
        Mode mode = switch (env.getOrDefault("BASTION_CREDITS", "auto").trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1" -> Mode.ON;
            case "off", "false", "0" -> Mode.OFF;
            case "auto", "" -> Mode.AUTO;
            default -> throw new IllegalArgumentException("BASTION_CREDITS must be on, off or auto");
        };
        Set<Role> free = EnumSet.noneOf(Role.class);
        String roles = env.getOrDefault("BASTION_CREDITS_FREE_ROLES", "admin");
        for (String role : roles.split(",")) {
            if (!role.isBlank()) free.add(Role.parse(role.trim()));
        }
        long ttl;
        try {
            ttl = Long.parseLong(env.getOrDefault("BASTION_CREDITS_RESERVATION_TTL_SECONDS", "3600").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("BASTION_CREDITS_RESERVATION_TTL_SECONDS must be a whole number of seconds");
        }
        if (ttl <= 0) throw new IllegalArgumentException("BASTION_CREDITS_RESERVATION_TTL_SECONDS must be positive");
        boolean durable = switch (env.getOrDefault("BASTION_CREDITS_SYNC", "normal").trim().toLowerCase(Locale.ROOT)) {
            case "normal", "" -> false;
            case "full" -> true;
            default -> throw new IllegalArgumentException("BASTION_CREDITS_SYNC must be normal or full");
        };
        String owner = env.getOrDefault(ENV_NODE_OWNER, "").trim();
        String fee = env.getOrDefault(ENV_NETWORK_FEE, "").trim();
        NetworkFee networkFee;
        try {
            networkFee = fee.isEmpty() ? null : NetworkFee.parsePercent(fee);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENV_NETWORK_FEE + ": " + e.getMessage());
        }
        return new CreditsConfig(mode, free, Duration.ofSeconds(ttl), durable, owner.isEmpty() ? null : owner, networkFee);
    }

    /** The same, with this node's owner (a user name; null for none). */
    public CreditsConfig withNodeOwner(String owner) {
        return new CreditsConfig(mode, freeRoles, reservationTtl, durableCommits, owner, networkFee);
    }

    /** Whether credits apply to a home with this many users, of whom {@code admins} are admins. */
    public boolean enabledFor(long users, long admins) {
        return switch (mode) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> users > 1 || users > admins; // anyone besides a lone admin (an empty home gets only one)
        };
    }
}
