package dev.bastion.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pages through the audit log newest first, reading the file backwards in fixed-size blocks, so a page costs memory
 * for its records only, however large the log is. Lines that are not records (damage, a torn tail) are skipped here;
 * {@link AuditLog#verify} names them.
 */
public final class AuditQuery {

    public static final int MAX_LIMIT = 200;
    /** Longer lines are no records this server wrote; skipped without being held in memory. */
    static final int MAX_LINE_BYTES = 1 << 20;
    private static final int BLOCK = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What to list: every field optional (null). {@code action} matches exactly, or as a prefix up to a dot
     * ({@code user} matches {@code user.create}).
     *
     * @param before only records with a smaller seq (the next page starts where the last ended)
     */
    public record Filter(String actor, String action, String outcome, Long before, int limit) {
        public Filter {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT);
            }
            if (before != null && before < 1) {
                throw new IllegalArgumentException("before must be a positive seq");
            }
        }

        boolean matches(Record r) {
            return (actor == null || actor.equals(r.actor()))
                    && (outcome == null || outcome.equals(r.outcome()))
                    && (action == null || action.equals(r.action())
                    || r.action() != null && r.action().startsWith(action + "."))
                    && (before == null || r.seq() < before);
        }
    }

    public record Record(long seq, String time, String requestId, String actor, String action, String target,
                         String outcome, Map<String, String> details) {
    }

    /** @param nextBefore the {@code before} of the next (older) page, null when there is none */
    public record Page(List<Record> records, Long nextBefore) {
    }

    private AuditQuery() {
    }

    public static Page page(Path file, Filter filter) {
        List<Record> found = new ArrayList<>();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return new Page(found, null);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            boolean more = new BackwardLines(channel).forEach(line -> {
                Record r = parse(line);
                if (r == null || !filter.matches(r)) return true;
                if (found.size() == filter.limit()) return false; // one more match: there is an older page
                found.add(r);
                return true;
            });
            Long next = more && !found.isEmpty() ? found.getLast().seq() : null;
            return new Page(found, next);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log", e);
        }
    }

    private static Record parse(byte[] line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.isObject() || !n.path("seq").canConvertToLong()) return null;
            Map<String, String> details = new TreeMap<>();
            n.path("details").properties().forEach(e -> details.put(e.getKey(), e.getValue().asText()));
            return new Record(n.get("seq").asLong(), text(n, "time"), text(n, "request_id"), text(n, "actor"),
                    text(n, "action"), text(n, "target"), text(n, "outcome"), details);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The file's lines from last to first. */
    private static final class BackwardLines {
        interface LineAction {
            /** @return false to stop */
            boolean accept(byte[] line);
        }

        private final FileChannel channel;

        BackwardLines(FileChannel channel) {
            this.channel = channel;
        }

        /** @return true if the action stopped early */
        boolean forEach(LineAction action) throws IOException {
            long position = channel.size();
            ByteArrayOutputStream reversed = new ByteArrayOutputStream(); // the current line's bytes, last first
            boolean tooLong = false;
            ByteBuffer block = ByteBuffer.allocate(BLOCK);
            while (position > 0) {
                int n = (int) Math.min(BLOCK, position);
                position -= n;
                block.clear().limit(n);
                while (block.hasRemaining() && channel.read(block, position + block.position()) >= 0) {
                    // read fully
                }
                for (int i = n - 1; i >= 0; i--) {
                    byte b = block.get(i);
                    if (b == '\n') {
                        if (!tooLong && reversed.size() > 0 && !action.accept(reverse(reversed))) return true;
                        reversed.reset();
                        tooLong = false;
                    } else if (reversed.size() < MAX_LINE_BYTES) {
                        reversed.write(b);
                    } else {
                        tooLong = true;
                    }
                }
            }
            return !tooLong && reversed.size() > 0 && !action.accept(reverse(reversed));
        }

        private static byte[] reverse(ByteArrayOutputStream reversed) {
            byte[] bytes = reversed.toByteArray();
            for (int i = 0, j = bytes.length - 1; i < j; i++, j--) {
                byte t = bytes[i];
                bytes[i] = bytes[j];
                bytes[j] = t;
            }
            return bytes;
        }
    }
}
