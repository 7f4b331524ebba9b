package dev.bastion.credits;

import java.time.Instant;

/**
 * One ledger entry with its transaction's description, as history shows it.
 *
 * @param node    the node that served a settlement or charge (or holds a reservation); null before nodes were recorded
 * @param earning this entry is what the account's owner earned for serving someone else's request on their node
 */
public record Entry(long transactionId, String kind, String account, long amount, String subject, String actor,
                    String requestId, Instant at, String node, boolean earning) {

    /** The kind as history prints it: {@code earned} for earnings, else the transaction's kind. */
    public String label() {
        return earning ? "earned" : kind;
    }
}
