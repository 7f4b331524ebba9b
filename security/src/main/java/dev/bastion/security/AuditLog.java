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

/**
 * Append-only, hash-chained JSONL audit log ({@code BASTION_HOME/audit.log}). Each record carries {@code prev}, the
 * hash of the record before it, and {@code hash}, SHA-256 (or HMAC-SHA256 under a server key) over its canonical
 * form, so editing, removing, inserting or reordering records breaks the chain at a nameable record. Appends are
 * serialized (in-process lock plus a file lock against other processes such as the CLI) and fsynced.
 */
public final class AuditLog {

    public static final String FILE_NAME = "audit.log";
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

        public String describe() {
            return ok ? "ok, " + records + " records"
                    : "record at line " + badLine + (badSeq == null ? "" : " (seq " + badSeq + ")") + ": " + problem;
        }
    }

    /** One lock per file for the whole JVM: a second FileLock on the same file in one JVM would throw. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> FILE_LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final Object fileLock;
    private final byte[] hmacKey;
    private final Clock clock;
    private long lastSeq;
    private String lastHash = GENESIS;
    private long knownSize = -1;

    private AuditLog(Path file, byte[] hmacKey, Clock clock) {
        this.file = file;
        this.fileLock = FILE_LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new Object());
        this.hmacKey = hmacKey == null ? null : hmacKey.clone();
        this.clock = clock;
    }

    /** Opens (or creates) the log; {@code hmacKey} may be null for a plain SHA-256 chain. */
    public static AuditLog open(Path file, byte[] hmacKey) {
        return open(file, hmacKey, Clock.systemUTC());
    }

    public static AuditLog open(Path file, byte[] hmacKey, Clock clock) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // New logs are created owner-only on first append; one from an older install may be wider.
            SecureFiles.restrictToOwner(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare audit log " + file + ": " + e.getMessage(), e);
        }
        return new AuditLog(file, hmacKey, clock);
    }

    public Path file() {
        return file;
    }

    /** Appends one record and returns its seq. */
    public long append(AuditEvent event) {
        synchronized (fileLock) {
            return appendLocked(event);
        }
    }

    private long appendLocked(AuditEvent event) {
        try (FileChannel channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ), SecureFiles.ownerOnlyFile());
             FileLock ignored = channel.lock()) {
            if (knownSize >= 0 && channel.size() < knownSize) {
                // An append-only log never shrinks: records were cut. Chaining on from the remaining tail would hide
                // that; chaining from what this process last wrote makes the gap show at the next record.
                LOG.warn("audit log {} shrank from {} to {} bytes since the last append: records were removed",
                        file, knownSize, channel.size());
            } else if (channel.size() != knownSize) {
                readTail(channel);
            }
            ObjectNode record = JSON.createObjectNode();
            record.put("seq", lastSeq + 1);
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
            channel.position(channel.size());
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
            lastSeq++;
            lastHash = hash;
            knownSize = channel.size();
            return lastSeq;
        } catch (IOException e) {
            throw new UncheckedIOException("appending to audit log " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Continues the chain after a restart or another process's appends: reads seq and hash of the last record. */
    private void readTail(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            lastSeq = 0;
            lastHash = GENESIS;
            knownSize = 0;
            return;
        }
        long start = size;
        ByteBuffer one = ByteBuffer.allocate(1);
        long end = size;
        // Skip the final newline, then scan back to the previous one.
        channel.read(one, size - 1);
        if (one.get(0) == '\n') {
            end = size - 1;
        }
        start = end;
        while (start > 0) {
            one.clear();
            channel.read(one, start - 1);
            if (one.get(0) == '\n') {
                break;
            }
            start--;
        }
        ByteBuffer lastLine = ByteBuffer.allocate((int) (end - start));
        channel.read(lastLine, start);
        JsonNode last = JSON.readTree(new String(lastLine.array(), StandardCharsets.UTF_8));
        if (last == null || !last.hasNonNull("seq") || !last.hasNonNull("hash")) {
            throw new IOException("the last record of " + file + " is damaged; run 'bastion audit verify'");
        }
        lastSeq = last.get("seq").asLong();
        lastHash = last.get("hash").asText();
        knownSize = size;
    }

    public static VerificationResult verify(Path file) {
        return verify(file, null);
    }

    /** Checks the whole chain; names the first record that was edited, removed, inserted or moved. */
    public static VerificationResult verify(Path file, byte[] hmacKey) {
        try (java.io.BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return verify(reader, hmacKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file + ": " + e.getMessage(), e);
        }
    }

    private static VerificationResult verify(java.io.BufferedReader reader, byte[] hmacKey) throws IOException {
        String prev = GENESIS;
        long expectedSeq = 1;
        long i = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine(), i++) {
            long lineNumber = i + 1;
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
        return VerificationResult.good(i);
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
