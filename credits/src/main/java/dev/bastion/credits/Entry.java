package dev.bastion.credits;

import java.time.Instant;

/** One ledger entry with its transaction's description, as history shows it. */
public record Entry(long transactionId, String kind, String account, long amount, String subject, String actor,
                    String requestId, Instant at) {
}
