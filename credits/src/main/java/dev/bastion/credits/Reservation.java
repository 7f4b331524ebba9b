package dev.bastion.credits;

/** Credits set aside for one request until it is settled or released: {@code amount} sits in {@code hold:<id>}. */
public record Reservation(long id, long userId, long amount, String subject) {
}
