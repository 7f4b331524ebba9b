package dev.bastion.engine.generate;

import java.util.List;

/**
 * Filters streamed text for stop strings: text that could still be the start of a stop string is held back until
 * it is known to be safe; when a stop string appears, the text before it is released and the stop itself never is.
 * Not thread-safe.
 */
public final class StopStringMatcher {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStringMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
        for (String stop : this.stops) {
            if (stop.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Adds generated text; returns the text that is now safe to emit (possibly empty). */
    public String append(String text) {
        if (stopped) throw new IllegalStateException("a stop string already matched");
        pending.append(text);
        int stopAt = earliestStop();
        if (stopAt >= 0) {
            stopped = true;
            String before = pending.substring(0, stopAt);
            pending.setLength(0);
            return before;
        }
        int release = pending.length() - longestSuffixThatStartsAStop();
        // Never split a surrogate pair between released and held text.
        if (release > 0 && release < pending.length() && Character.isHighSurrogate(pending.charAt(release - 1))) release--;
        String safe = pending.substring(0, release);
        pending.delete(0, release);
        return safe;
    }

    /** True once a stop string has matched; the generation should end. */
    public boolean stopped() {
        return stopped;
    }

    /** The generation ended without a match: releases whatever was held back. */
    public String flush() {
        String rest = pending.toString();
        pending.setLength(0);
        return rest;
    }

    private int earliestStop() {
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
        }
        return earliest;
    }

    private int longestSuffixThatStartsAStop() {
        int longest = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, pending.length()); length > longest; length--) {
                if (endsWithPrefix(stop, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    private boolean endsWithPrefix(String stop, int length) {
        int offset = pending.length() - length;
        for (int i = 0; i < length; i++) {
            if (pending.charAt(offset + i) != stop.charAt(i)) return false;
        }
        return true;
    }
}
