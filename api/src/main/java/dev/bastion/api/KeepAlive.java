package dev.bastion.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a model stays loaded after its last request, as Ollama's {@code keep_alive}: a Go duration string
 * ({@code "10m"}, {@code "1h30m"}), a number of seconds, {@code 0} (unload right after the request) or any negative
 * value (keep forever).
 */
public record KeepAlive(Duration duration) {

    public static final KeepAlive FOREVER = new KeepAlive(null);
    public static final KeepAlive UNLOAD_NOW = new KeepAlive(Duration.ZERO);
    public static final KeepAlive DEFAULT = new KeepAlive(Duration.ofMinutes(5));

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(?:" + PART.pattern() + ")+");
    private static final Duration MAX = Duration.ofDays(365 * 100L);

    public KeepAlive {
        if (duration != null && duration.isNegative()) duration = null;
    }

    public boolean forever() {
        return duration == null;
    }

    public boolean unloadNow() {
        return duration != null && duration.isZero();
    }

    /** When a model idle since {@code now} expires, or null for never. */
    public Instant expiry(Instant now) {
        return duration == null ? null : now.plus(duration);
    }

    /** Binds {@code keep_alive} in a request record (Jackson leaves a null or absent field null). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static KeepAlive fromJson(JsonNode node) {
        return fromJson(node, null);
    }

    /** Parses the JSON field; a missing or null field gives {@code fallback}. */
    public static KeepAlive fromJson(JsonNode node, KeepAlive fallback) {
        if (node == null || node.isNull() || node.isMissingNode()) return fallback;
        if (node.isNumber()) return ofSeconds(node.decimalValue());
        if (node.isTextual()) return parse(node.asText());
        throw ApiException.badRequest("keep_alive must be a duration string such as \"5m\" or a number of seconds", "keep_alive");
    }

    public static KeepAlive parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) throw invalid(text);
        try {
            return ofSeconds(new BigDecimal(s));
        } catch (NumberFormatException notANumber) {
            // a Go duration string follows
        }
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) s = s.substring(1);
        if (!WHOLE.matcher(s).matches()) throw invalid(text);
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(s);
        while (m.find()) {
            total = total.plus(unit(new BigDecimal(m.group(1)), m.group(2)));
            if (total.compareTo(MAX) > 0) return FOREVER;
        }
        return negative && !total.isZero() ? FOREVER : new KeepAlive(total);
    }

    private static KeepAlive ofSeconds(BigDecimal seconds) {
        if (seconds.signum() < 0) return FOREVER;
        if (seconds.compareTo(BigDecimal.valueOf(MAX.toSeconds())) > 0) return FOREVER;
        return new KeepAlive(Duration.ofNanos(seconds.movePointRight(9).longValue()));
    }

    private static Duration unit(BigDecimal amount, String unit) {
        long nanosPerUnit = switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalStateException(unit);
        };
        BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) return MAX.plusSeconds(1);
        return Duration.ofNanos(nanos.longValue());
    }

    private static ApiException invalid(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        return ApiException.badRequest("keep_alive '" + shown + "' is not a duration (examples: \"5m\", \"1h30m\", \"-1\", 300)", "keep_alive");
    }
}
