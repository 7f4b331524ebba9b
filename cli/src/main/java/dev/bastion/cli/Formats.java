package dev.bastion.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Human-readable sizes, ages and tables, as Ollama prints them. */
final class Formats {
    private Formats() {}

    /** Decimal units like Ollama: {@code 512 B}, {@code 42 KB}, {@code 1.2 GB}. */
    static String size(long bytes) {
        if (bytes < 1000) return bytes + " B";
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return (value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value)) + " " + units[unit];
    }

    static String age(Instant then, Instant now) {
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 1) return "Less than a second ago";
        long[] limits = {60, 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400, Long.MAX_VALUE};
        long[] divisors = {1, 60, 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400};
        String[] units = {"second", "minute", "hour", "day", "week", "month", "year"};
        for (int i = 0; i < units.length; i++) {
            if (seconds < limits[i]) {
                long n = seconds / divisors[i];
                return n + " " + units[i] + (n == 1 ? "" : "s") + " ago";
            }
        }
        throw new AssertionError("unreachable");
    }

    /** Left-aligned columns separated by at least three spaces. */
    static String table(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (List<String> row : concat(header, rows)) {
            for (int i = 0; i < row.size(); i++) widths[i] = Math.max(widths[i], row.get(i).length());
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : concat(header, rows)) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static List<List<String>> concat(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new java.util.ArrayList<>(rows.size() + 1);
        all.add(header);
        all.addAll(rows);
        return all;
    }
}
