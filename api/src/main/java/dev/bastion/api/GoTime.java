package dev.bastion.api;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * Timestamps as Ollama writes them (Go's {@code time.Time} in JSON, RFC 3339 with nanoseconds, local offset:
 * {@code 2024-06-04T14:38:31.837530120-07:00}). Always nine fraction digits, where Go drops trailing zeros: LangChain4j
 * strips the fraction with a {@code replaceAll} of its digits, which a short fraction ("5") would also strip elsewhere.
 */
final class GoTime {

    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 9, 9, true)
            .appendOffset("+HH:MM", "Z")
            .toFormatter();

    private GoTime() {
    }

    static String format(Instant instant) {
        return RFC3339_NANO.format(instant.atZone(ZoneId.systemDefault()));
    }
}
