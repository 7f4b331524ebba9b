package dev.bastion.mcp.builtin;

import java.time.Duration;
import java.util.Map;

/**
 * The files tool's caps.
 *
 * @param maxReadBytes a larger file is not read
 * @param maxWriteBytes the largest content one write may store
 * @param quotaBytes the most a user's workspace may hold (sum of its regular files), checked on every write
 * @param maxListEntries entries one list returns at most
 * @param maxSearchMatches matches one search returns at most
 * @param maxSearchFiles files one search looks into at most
 * @param maxSearchFileBytes a larger file's content is not searched (its name still is)
 * @param searchTimeout one search's wall-clock budget
 */
public record FilesLimits(long maxReadBytes, long maxWriteBytes, long quotaBytes, int maxListEntries,
                          int maxSearchMatches, int maxSearchFiles, long maxSearchFileBytes, Duration searchTimeout) {

    public static final FilesLimits DEFAULTS = new FilesLimits(1 << 20, 8 << 20, 1L << 30, 1000, 200, 10_000,
            1 << 20, Duration.ofSeconds(5));

    /**
     * The defaults, overridden by {@code BASTION_FILES_MAX_READ}, {@code BASTION_FILES_MAX_WRITE} and
     * {@code BASTION_FILES_QUOTA} (bytes).
     */
    public static FilesLimits fromEnvironment(Map<String, String> env) {
        FilesLimits d = DEFAULTS;
        return new FilesLimits(bytes(env, "BASTION_FILES_MAX_READ", d.maxReadBytes),
                bytes(env, "BASTION_FILES_MAX_WRITE", d.maxWriteBytes), bytes(env, "BASTION_FILES_QUOTA", d.quotaBytes),
                d.maxListEntries, d.maxSearchMatches, d.maxSearchFiles, d.maxSearchFileBytes, d.searchTimeout);
    }

    static long bytes(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) return fallback;
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < 0) throw new NumberFormatException();
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of bytes, not " + value);
        }
    }
}
