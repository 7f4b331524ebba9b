package dev.bastion.api;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * Timestamps as Ollama writes them (Go's {@code time.Time} in JSON, RFC 3339 with nanoseconds): local offset, the
 * fraction without trailing zeros ({@code 2024-06-04T14:38:31.83753-07:00}, {@code 2024-06-04T14:38:31Z} in UTC).
 */
final class GoTime {

    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendOffset("+HH:MM", "Z")
            .toFormatter();

    private GoTime() {
    }

    static String format(Instant instant) {
        return RFC3339_NANO.format(instant.atZone(ZoneId.systemDefault()));
    }
}
