package dev.bastion.security;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.MDC;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Append-only, hash-chained JSONL audit log ({@code BASTION_HOME/audit.log}). Each record carries {@code prev}, the
 * hash of the record before it, and {@code hash}, SHA-256 (or HMAC-SHA256 under a server key) over its canonical
 * form, so editing, removing, inserting or reordering records breaks the chain at a nameable record. Appends are
 * serialized (in-process lock plus a file lock against other processes such as the CLI) and fsynced.
 * <p>With an {@link AuditAnchor} (the security database), the end of the chain is also kept outside the file, so
 * cutting, emptying or deleting the log is named too. Before each append the file is reconciled with the anchor: a
 * torn last line (no trailing newline: a crash mid-append) is moved aside to {@code audit.log.torn-<time>} and
 * recorded as {@code audit.repair}; a log that does not end where the anchor says is logged loudly and the chain
 * continues from the anchor with an {@code audit.gap} record, which {@link #verify} keeps reporting. Serving goes on
 * (refusing to start would let anyone who can delete a file stop the server). A record that cannot be written throws
 * {@link AuditUnavailableException}.
 */
public final class AuditLog {

    public static final String FILE_NAME = "audit.log";
    public static final String TORN_SUFFIX = ".torn-";
    public static final String REPAIR_ACTION = "audit.repair";
    public static final String GAP_ACTION = "audit.gap";
    /** Below this much free space a change is refused up front, so its audit record cannot fail for lack of room. */
    static final long MIN_FREE_BYTES = 1L << 20;
    static final String GENESIS = "0".repeat(64);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuditLog.class);
    /**
     * Verification reads each line as exactly one object with unique fields: otherwise text after the object, or a
     * duplicate field that other tools may read instead of the hashed one, would pass as part of a valid record.
     */
    private static final ObjectReader STRICT = JSON.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    private static final List<String> FIELDS =
            List.of("seq", "time", "request_id", "actor", "action", "target", "outcome", "details", "prev");

    /** Outcome of {@link #verify}: ok with a record count, or the first bad record (1-based line and its seq). */
    public record VerificationResult(boolean ok, long records, long badLine, Long badSeq, String problem) {
        static VerificationResult good(long records) {
            return new VerificationResult(true, records, 0, null, null);
        }

        static VerificationResult bad(long records, long line, Long seq, String problem) {
            return new VerificationResult(false, records, line, seq, problem);
        }

        /** The log cannot be checked at all (e.g. its key is missing). */
        public static VerificationResult unverifiable(String problem) {
            return new VerificationResult(false, 0, 0, null, problem);
        }

        /** The log as a whole does not end as anchored: no single record to name. */
        static VerificationResult whole(long records, String problem) {
            return new VerificationResult(false, records, 0, null, problem);
        }

        public String describe() {
            if (ok) {
                return "ok, " + records + " records";
            }
            return badLine == 0 ? problem
                    : "record at line " + badLine + (badSeq == null ? "" : " (seq " + badSeq + ")") + ": " + problem;
        }
    }

    /** One lock per file for the whole JVM: a second FileLock on the same file in one JVM would throw. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> FILE_LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final Object fileLock;
    private final byte[] hmacKey;
    private final Clock clock;
    private final AuditAnchor anchor;
    private final ToLongFunction<Path> freeSpace;
    private long lastSeq;
    private String lastHash = GENESIS;
    private long knownSize = -1;

    private AuditLog(Path file, byte[] hmacKey, Clock clock, AuditAnchor anchor, ToLongFunction<Path> freeSpace) {
        this.file = file;
        this.fileLock = FILE_LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
        this.hmacKey = hmacKey == null ? null : hmacKey.clone();
        this.clock = clock;
        this.anchor = anchor;
        this.freeSpace = freeSpace;
    }

    /** Opens (or creates) the log; {@code hmacKey} may be null for a plain SHA-256 chain. */
    public static AuditLog open(Path file, byte[] hmacKey) {
        return open(file, hmacKey, Clock.systemUTC());
    }

    public static AuditLog open(Path file, byte[] hmacKey, Clock clock) {
        return open(file, hmacKey, clock, null);
    }

    /** @param anchor where the end of the chain is kept outside the file, or null for none */
    public static AuditLog open(Path file, byte[] hmacKey, Clock clock, AuditAnchor anchor) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // New logs are created owner-only on first append; one from an older install may be wider.
            SecureFiles.restrictToOwner(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare audit log " + file + ": " + e.getMessage(), e);
        }
        return new AuditLog(file, hmacKey, clock, anchor, AuditLog::usableSpace);
    }

    /** The node whose chain this log is ({@link AuditAnchor#LOCAL} without an anchor or a node name). */
    public String chain() {
        return anchor == null ? AuditAnchor.LOCAL : anchor.node();
    }

    /** The same log, judging free space by {@code probe} (tests simulate a full disk with it). */
    public AuditLog withFreeSpaceProbe(ToLongFunction<Path> probe) {
        return new AuditLog(file, hmacKey, clock, anchor, probe);
    }

    public Path file() {
        return file;
    }

    /** Appends one record and returns its seq. */
    public long append(AuditEvent event) {
        synchronized (fileLock) {
            return withLockedFile(channel -> write(channel, event));
        }
    }

    /**
     * Reconciles the log with its anchor (moving a torn tail aside, recording a gap) and checks that a record can be
     * written now: the file opens for writing and the disk has room. Called on start and before every change, so a
     * change whose record could not be written is refused before it happens.
     *
     * @throws AuditUnavailableException if not
     */
    public void ensureWritable() {
        synchronized (fileLock) {
            withLockedFile(channel -> {
                long free = freeSpace.applyAsLong(file);
                if (free < MIN_FREE_BYTES) {
                    throw new IOException("only " + free + " bytes free on its file system");
                }
                return lastSeq;
            });
        }
    }

    private interface LockedAction {
        long run(FileChannel channel) throws IOException;
    }

    private long withLockedFile(LockedAction action) {
        boolean existed = Files.exists(file);
        try (FileChannel channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), SecureFiles.ownerOnlyFile());
             FileLock ignored = channel.lock()) {
            if (channel.size() != knownSize) {
                reconcile(channel, existed);
            }
            return action.run(channel);
        } catch (IOException | IllegalStateException e) {
            knownSize = -1; // re-read the file next time: this append may have left part of a line
            throw new AuditUnavailableException("cannot write the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Finds where the chain continues after a restart, another process's appends, a crash or tampering. */
    private void reconcile(FileChannel channel, boolean existed) throws IOException {
        long size = channel.size();
        String torn = size > 0 && byteAt(channel, size - 1) != '\n' ? moveTornTailAside(channel) : null;
        Tail tail = readTail(channel);
        AuditEvent gap = null;
        if (anchor == null) {
            continueUnanchored(channel, tail, size);
        } else {
            gap = continueFromAnchor(tail, existed);
        }
        knownSize = channel.size();
        if (gap != null) {
            write(channel, gap);
        }
        if (torn != null) {
            write(channel, new AuditEvent(null, "system", REPAIR_ACTION, FILE_NAME, "success",
                    Map.of("torn_tail_moved_to", torn)));
        }
    }

    private void continueUnanchored(FileChannel channel, Tail tail, long size) throws IOException {
        if (knownSize >= 0 && size < knownSize) {
            // An append-only log never shrinks: records were cut. Chaining on from the remaining tail would hide
            // that; chaining from what this process last wrote makes the gap show at the next record.
            LOG.warn("audit log {} shrank from {} to {} bytes since the last append: records were removed",
                    file, knownSize, channel.size());
            return;
        }
        if (tail != null && tail.damaged()) {
            throw new IOException("its last record is damaged; run 'bastion audit verify'");
        }
        lastSeq = tail == null ? 0 : tail.seq();
        lastHash = tail == null ? GENESIS : tail.hash();
    }

    /** Returns the gap record to write if the file does not end where the anchor says. */
    private AuditEvent continueFromAnchor(Tail tail, boolean existed) {
        AuditAnchor.State state = anchor.read().orElseGet(() -> anchor.initialize(
                tail == null || tail.damaged() ? 0 : tail.seq(), tail == null || tail.damaged() ? GENESIS : tail.hash(), null));
        long foundSeq = tail == null || tail.damaged() ? 0 : tail.seq();
        String foundHash = tail == null || tail.damaged() ? GENESIS : tail.hash();
        if ((tail == null || !tail.damaged()) && state.matches(foundSeq, foundHash)) {
            if (state.pending() && foundSeq == state.seq()) {
                anchor.commit();
            } else if (state.pending()) {
                anchor.rollBack(state); // a crash between anchoring a record and writing it: it never happened
            }
            lastSeq = foundSeq;
            lastHash = foundHash;
            return null;
        }
        String found = !existed ? "no audit log file" : tail == null ? "an empty audit log"
                : tail.damaged() ? "a damaged last record" : "a log ending at seq " + tail.seq();
        LOG.error("AUDIT LOG TAMPERED OR LOST: the database anchor of node '{}' says {} ends at seq {}, but found {}."
                + " Continuing the chain from the anchor with an '{}' record; 'bastion audit verify' will keep naming the gap.",
                chain(), file, state.committedSeq(), found, GAP_ACTION);
        lastSeq = state.committedSeq();
        lastHash = state.committedHash();
        Map<String, String> details = new TreeMap<>();
        details.put("anchored_seq", Long.toString(lastSeq));
        details.put("found", found);
        return new AuditEvent(null, "system", GAP_ACTION, FILE_NAME, "failure", details);
    }

    /** Writes one record after {@code lastSeq}: anchored as pending, appended and fsynced, then committed. */
    private long write(FileChannel channel, AuditEvent event) throws IOException {
        long seq = lastSeq + 1;
        ObjectNode record = JSON.createObjectNode();
        record.put("seq", seq);
        record.put("time", clock.instant().toString());
        String requestId = event.requestId() != null ? event.requestId() : MDC.get(LogContext.REQUEST_ID);
        putNullable(record, "request_id", requestId);
        putNullable(record, "actor", event.actor());
        record.put("action", event.action());
        putNullable(record, "target", event.target());
        record.put("outcome", event.outcome());
        ObjectNode details = record.putObject("details");
        event.details().forEach(details::put);
        record.put("prev", lastHash);
        String hash = hash(canonical(record), hmacKey);
        record.put("hash", hash);
        byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        if (anchor != null) {
            anchor.begin(seq, hash, lastHash);
        }
        channel.position(channel.size());
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
        lastSeq = seq;
        lastHash = hash;
        knownSize = channel.size();
        if (anchor != null) {
            try {
                anchor.commit();
            } catch (IllegalStateException e) {
                // The record is durable and the pending anchor names it: the next reconcile commits it.
                LOG.warn("audit record {} written, but its anchor stays pending: {}", seq, e.getMessage());
            }
        }
        return seq;
    }

    /** The last complete line: its seq and hash, or damaged; null for an empty file. */
    private record Tail(long seq, String hash, boolean damaged) {
    }

    private Tail readTail(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return null;
        }
        long end = byteAt(channel, size - 1) == '\n' ? size - 1 : size;
        long start = lineStart(channel, end);
        ByteBuffer lastLine = ByteBuffer.allocate((int) Math.min(end - start, Integer.MAX_VALUE - 8));
        channel.read(lastLine, start);
        try {
            JsonNode last = JSON.readTree(new String(lastLine.array(), StandardCharsets.UTF_8));
            if (last != null && last.path("seq").canConvertToLong() && last.path("hash").isTextual()) {
                return new Tail(last.get("seq").asLong(), last.get("hash").asText(), false);
            }
        } catch (IOException notJson) {
            // damaged, below
        }
        return new Tail(0, null, true);
    }

    /** Offset of the line that ends at {@code end}: just after the previous newline, or 0. */
    private static long lineStart(FileChannel channel, long end) throws IOException {
        long start = end;
        while (start > 0 && byteAt(channel, start - 1) != '\n') {
            start--;
        }
        return start;
    }

    private static byte byteAt(FileChannel channel, long position) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        channel.read(one, position);
        return one.get(0);
    }

    /**
     * A last line without its newline is what a crash mid-append leaves. It is moved, as it was, to an owner-only
     * {@code audit.log.torn-<time>} beside the log and cut from the log; returns that file's name.
     */
    private String moveTornTailAside(FileChannel channel) throws IOException {
        long size = channel.size();
        long start = lineStart(channel, size);
        ByteBuffer torn = ByteBuffer.allocate((int) Math.min(size - start, Integer.MAX_VALUE - 8));
        channel.read(torn, start);
        String name = FILE_NAME + TORN_SUFFIX + clock.instant().toString().replace(':', '-');
        Path aside = file.resolveSibling(name);
        for (int n = 2; Files.exists(aside); n++) {
            aside = file.resolveSibling(name + "-" + n);
        }
        SecureFiles.writeNewOwnerOnly(aside, torn.array());
        channel.truncate(start);
        channel.force(true);
        LOG.warn("audit log {} ended in an incomplete record ({} bytes, a crash mid-append); moved it to {}",
                file, size - start, aside);
        return aside.getFileName().toString();
    }

    private static long usableSpace(Path file) {
        try {
            return Files.getFileStore(file.toAbsolutePath().getParent()).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: let the write itself tell
        }
    }

    /** The audit record could not be written, so the action it records must not happen. */
    public static final class AuditUnavailableException extends IllegalStateException {
        public AuditUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static VerificationResult verify(Path file) {
        return verify(file, null);
    }

    /** Checks the whole chain; names the first record that was edited, removed, inserted or moved. */
    public static VerificationResult verify(Path file, byte[] hmacKey) {
        return verify(file, hmacKey, null);
    }

    /**
     * Checks the whole chain and, given the database anchor, that the log ends where it says: so a cut, emptied or
     * deleted log is named too, and so are gaps the server found and recorded ({@code audit.gap}). A torn last line
     * is named as such (the server moves it aside on its next start).
     */
    public static VerificationResult verify(Path file, byte[] hmacKey, AuditAnchor.State anchor) {
        if (!Files.exists(file)) {
            return anchor == null || anchor.matches(0, GENESIS) ? VerificationResult.good(0)
                    : VerificationResult.whole(0, "the audit log " + file + " is missing, but the database anchor"
                    + " records " + anchor.committedSeq() + " records: it was deleted");
        }
        try (java.io.BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return verify(reader, hmacKey, anchor, endsTorn(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsTorn(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.size() > 0 && byteAt(channel, channel.size() - 1) != '\n';
        }
    }

    private static VerificationResult verify(java.io.BufferedReader reader, byte[] hmacKey, AuditAnchor.State anchor,
                                             boolean torn) throws IOException {
        String prev = GENESIS;
        long expectedSeq = 1;
        long i = 0;
        String line = reader.readLine();
        for (String next; line != null; line = next, i++) {
            next = reader.readLine();
            long lineNumber = i + 1;
            if (next == null && torn) {
                return VerificationResult.bad(i, lineNumber, null, "incomplete last line (a torn write, e.g. power"
                        + " loss); 'bastion serve' moves it aside on its next start");
            }
            JsonNode record;
            try {
                record = STRICT.readTree(line);
            } catch (IOException e) {
                return VerificationResult.bad(i, lineNumber, null, "not valid JSON");
            }
            if (record == null || !record.isObject() || !record.path("seq").canConvertToLong()
                    || !record.path("hash").isTextual()) {
                return VerificationResult.bad(i, lineNumber, null, "not an audit record");
            }
            long seq = record.get("seq").asLong();
            if (!record.path("hash").asText().equals(hash(canonical((ObjectNode) record), hmacKey))) {
                return VerificationResult.bad(i, lineNumber, seq, "content does not match its hash (edited)");
            }
            if (GAP_ACTION.equals(record.path("action").asText())) {
                // Authentic (its hash checks), written when the server found the log cut, emptied or deleted.
                String missing = seq > expectedSeq ? records(expectedSeq, seq - 1) + " missing"
                        : "the log did not match its database anchor";
                return VerificationResult.bad(i, lineNumber, seq, missing + " (found " + record.path("details")
                        .path("found").asText() + " at " + record.path("time").asText() + " and recorded as a gap)");
            }
            if (seq != expectedSeq) {
                return VerificationResult.bad(i, lineNumber, seq,
                        "expected seq " + expectedSeq + " (record removed, inserted or reordered)");
            }
            if (!prev.equals(record.path("prev").asText())) {
                return VerificationResult.bad(i, lineNumber, seq, "does not chain to the previous record");
            }
            prev = record.get("hash").asText();
            expectedSeq++;
        }
        long last = expectedSeq - 1;
        if (anchor != null && !anchor.matches(last, prev)) {
            return VerificationResult.whole(i, last < anchor.committedSeq()
                    ? (i == 0 ? "the audit log is empty" : "the audit log ends at seq " + last) + ", but the database"
                    + " anchor records seq " + anchor.committedSeq() + ": " + records(last + 1, anchor.committedSeq())
                    + " missing (cut from its end)"
                    : "the audit log ends at seq " + last + ", but the database anchor records seq "
                    + anchor.committedSeq() + " with a different hash");
        }
        return VerificationResult.good(i);
    }

    /** "record 4 is" or "records 4-6 are", as the verb of a finding about a range of seqs. */
    private static String records(long first, long last) {
        return first == last ? "record " + first + " is" : "records " + first + "-" + last + " are";
    }

    /** Canonical form: the known fields in a fixed order, details sorted by key, no whitespace; {@code hash} excluded. */
    static byte[] canonical(ObjectNode record) {
        ObjectNode canonical = JSON.createObjectNode();
        for (String field : FIELDS) {
            JsonNode value = record.get(field);
            if ("details".equals(field) && value != null && value.isObject()) {
                ObjectNode sorted = canonical.putObject("details");
                Map<String, JsonNode> entries = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    entries.put(e.getKey(), e.getValue());
                }
                entries.forEach(sorted::set);
            } else {
                canonical.set(field, value == null ? JSON.nullNode() : value);
            }
        }
        // Unknown extra fields are also covered, so nothing can be smuggled into a record.
        record.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name) && !"hash".equals(name)) {
                canonical.set("x-" + name, record.get(name));
            }
        });
        try {
            return JSON.writeValueAsBytes(canonical);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hash(byte[] canonical, byte[] hmacKey) {
        try {
            if (hmacKey == null) {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(canonical));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("audit hash unavailable", e);
        }
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
