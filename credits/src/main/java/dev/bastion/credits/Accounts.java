package dev.bastion.credits;

/**
 * Ledger account names. A user's credits are {@code user:<id>} (ids, not names: a name can be reused after a user is
 * removed); granted credits come out of {@code mint}, whose balance is minus everything ever granted; a reservation's
 * credits sit in {@code hold:<reservation id>} until it is settled; what was spent lands in {@code revenue:<subject>},
 * or, on a node with an owner, in the owner's {@code user:<id>} less the network fee, which lands in {@link #NETWORK}.
 */
public final class Accounts {

    public static final String MINT = "mint";

    /** Where network fees land: like {@code revenue:<subject>}, an account no one spends from. */
    public static final String NETWORK = "network:fees";

    private Accounts() {
    }

    public static String user(long userId) {
        return "user:" + userId;
    }

    public static String hold(long reservationId) {
        return "hold:" + reservationId;
    }

    public static String revenue(String subject) {
        return "revenue:" + subject;
    }

    /** The user id of a {@code user:<id>} account, or -1. */
    public static long userId(String account) {
        if (!account.startsWith("user:")) return -1;
        try {
            return Long.parseLong(account.substring("user:".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
