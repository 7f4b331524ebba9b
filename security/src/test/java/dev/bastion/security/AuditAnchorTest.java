package dev.bastion.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The audit chain anchored in the security database: truncation, emptying, deletion, torn tails, crashes, keys. */
class AuditAnchorTest {

    private static final Map<String, String> ENV = Map.of(SecretBox.ENV_KEY, Base64.getEncoder().encodeToString(new byte[32]));

    @TempDir
    Path home;

    private SecurityServices services;
    private Path log;

    @BeforeEach
    void fiveRecords() {
        services = SecurityServices.open(home, ENV);
        log = services.audit().file();
        for (int i = 1; i <= 5; i++) {
            services.audit().append(AuditEvent.of("alice", "key.create", "key-" + i, "success"));
        }
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(log);
    }

    /** A restart: a new process opening the same home. */
    private SecurityServices reopen() {
        return SecurityServices.open(home, ENV);
    }

    @Test
    void intactLogMatchesItsAnchor() {
        assertThat(services.verifyAudit().describe()).isEqualTo("ok, 5 records");
        assertThat(SecurityServices.verifyAudit(home, ENV).describe()).isEqualTo("ok, 5 records");
    }

    @Test
    void cutEndIsNamed() throws Exception {
        Files.write(log, lines().subList(0, 3));
        AuditLog.VerificationResult result = services.verifyAudit();
        assertThat(result.ok()).isFalse();
        assertThat(result.describe()).contains("ends at seq 3", "anchor records seq 5", "records 4-5 are missing (cut");
    }

    @Test
    void emptiedOrDeletedLogIsNamed() throws Exception {
        Files.write(log, new byte[0]);
        assertThat(services.verifyAudit().describe()).contains("empty", "records 1-5 are missing (cut");
        Files.delete(log);
        assertThat(services.verifyAudit().describe()).contains("missing", "5 records", "deleted");
    }

    @Test
    void aCutFoundOnStartIsRecordedAsAGapThatVerifyKeepsNaming() throws Exception {
        Files.write(log, lines().subList(0, 3));
        SecurityServices restarted = reopen();
        restarted.recoverAudit();
        restarted.audit().append(AuditEvent.of("bob", "user.create", "carol", "success"));

        List<String> lines = lines();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(3)).contains("\"seq\":6", "\"action\":\"audit.gap\"", "a log ending at seq 3");
        assertThat(lines.get(4)).contains("\"seq\":7", "carol");
        AuditLog.VerificationResult result = restarted.verifyAudit();
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(4);
        assertThat(result.describe()).contains("records 4-5 are missing", "recorded as a gap");
        restarted.recoverAudit();
        assertThat(lines()).as("a recorded gap is recorded once").hasSize(5);
    }

    @Test
    void aDeletedLogContinuesAtTheAnchoredSeq() throws Exception {
        Files.delete(log);
        reopen().audit().append(AuditEvent.of("bob", "user.create", "carol", "success"));
        List<String> lines = lines();
        assertThat(lines.getFirst()).contains("\"seq\":6", "audit.gap", "no audit log file");
        assertThat(services.verifyAudit().describe()).contains("line 1", "records 1-5 are missing");
    }

    @Test
    void tornTailIsMovedAsideOwnerOnlyAndRecordedAsARepair() throws Exception {
        String torn = "{\"seq\":6,\"time\":\"2026-";
        Files.writeString(log, torn, StandardOpenOption.APPEND);
        assertThat(services.verifyAudit().describe()).contains("line 6", "incomplete last line");

        reopen().recoverAudit();

        List<String> lines = lines();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(5)).contains("\"seq\":6", "\"action\":\"audit.repair\"", "audit.log.torn-");
        assertThat(services.verifyAudit().describe()).isEqualTo("ok, 6 records");
        try (Stream<Path> files = Files.list(home)) {
            Path aside = files.filter(p -> p.getFileName().toString().startsWith("audit.log.torn-")).findFirst().orElseThrow();
            assertThat(Files.readString(aside)).isEqualTo(torn);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aside))).isEqualTo("rw-------");
        }
    }

    @Test
    void aTornTailLeftByAnotherProcessIsRepairedBeforeTheNextAppend() throws Exception {
        Files.writeString(log, "{\"seq\":6", StandardOpenOption.APPEND);
        services.audit().append(AuditEvent.of("bob", "user.create", "carol", "success"));
        assertThat(lines().get(5)).contains("audit.repair");
        assertThat(lines().get(6)).contains("\"seq\":7", "carol");
        assertThat(services.verifyAudit().ok()).isTrue();
    }

    @Test
    void otherDamageIsNotRepairedButStaysAVerificationFailure() throws Exception {
        List<String> lines = lines();
        lines.set(4, lines.get(4).replace("key-5", "key-X"));
        Files.write(log, lines);
        reopen().recoverAudit();
        AuditLog.VerificationResult result = services.verifyAudit();
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(5);
        assertThat(result.describe()).contains("edited");
    }

    @Test
    void aCrashBetweenAnchoringAndWritingDoesNotReadAsTampering() throws Exception {
        // what a crash after the anchor update but before the file append leaves
        AuditAnchor anchor = new AuditAnchor(services.database());
        AuditAnchor.State state = anchor.read().orElseThrow();
        anchor.begin(6, "f".repeat(64), state.hash());
        assertThat(services.verifyAudit().describe()).isEqualTo("ok, 5 records");

        SecurityServices restarted = reopen();
        restarted.recoverAudit();
        assertThat(lines()).hasSize(5);
        restarted.audit().append(AuditEvent.of("bob", "user.create", "carol", "success"));
        assertThat(lines().get(5)).contains("\"seq\":6", "carol");
        assertThat(restarted.verifyAudit().describe()).isEqualTo("ok, 6 records");
        // once committed, cutting that record is named
        Files.write(log, lines().subList(0, 5));
        assertThat(restarted.verifyAudit().describe()).contains("record 6 is missing (cut");
    }

    @Test
    void anAnchorIsAdoptedFromALogWrittenBeforeAnchorsExisted() throws Exception {
        Path older = Files.createDirectories(home.resolve("older"));
        byte[] key = SecretBox.load(ENV, older).deriveKey(SecurityServices.AUDIT_KEY_PURPOSE);
        AuditLog legacy = AuditLog.open(older.resolve(AuditLog.FILE_NAME), key);
        legacy.append(AuditEvent.of("alice", "user.create", "bob", "success"));
        legacy.append(AuditEvent.of("alice", "user.create", "carol", "success"));

        SecurityServices upgraded = SecurityServices.open(older, ENV);
        upgraded.recoverAudit();
        assertThat(Files.readAllLines(upgraded.audit().file())).hasSize(2);
        assertThat(upgraded.verifyAudit().describe()).isEqualTo("ok, 2 records");
    }

    @Test
    void verifyWithoutTheSecretSaysSoAndCreatesNothing() throws Exception {
        Path other = Files.createDirectories(home.resolve("keyfile-home"));
        SecurityServices.open(other, Map.of()).audit().append(AuditEvent.of("alice", "user.create", "bob", "success"));
        Path secret = other.resolve(SecretBox.DEFAULT_KEY_FILE);
        byte[] original = Files.readAllBytes(secret);
        Files.delete(secret);

        AuditLog.VerificationResult result = SecurityServices.verifyAudit(other, Map.of());
        assertThat(result.ok()).isFalse();
        assertThat(result.describe()).contains("server secret", "is missing", "nothing was created").doesNotContain("edited");
        assertThat(secret).doesNotExist();
        assertThatThrownBy(() -> SecurityServices.open(other, Map.of()))
                .hasMessageContaining("server secret").hasMessageContaining("missing");
        assertThat(secret).as("a chain exists: a new secret would not match it").doesNotExist();

        Files.write(secret, original);
        assertThat(SecurityServices.verifyAudit(other, Map.of()).describe()).isEqualTo("ok, 1 records");
    }

    @Test
    void aDifferentSecretIsNamedByItsFingerprintNeverTheKey() throws Exception {
        String otherKey = Base64.getEncoder().encodeToString("k".repeat(32).getBytes(StandardCharsets.US_ASCII));
        Map<String, String> other = Map.of(SecretBox.ENV_KEY, otherKey);
        AuditLog.VerificationResult result = SecurityServices.verifyAudit(home, other);
        assertThat(result.ok()).isFalse();
        assertThat(result.describe()).contains("differs from the one the chain was started with", "fingerprint")
                .doesNotContain(otherKey).doesNotContain(ENV.get(SecretBox.ENV_KEY));
        assertThatThrownBy(() -> SecurityServices.open(home, other)).hasMessageContaining("differs");
        try (var c = services.database().connection(); var s = c.createStatement();
             var r = s.executeQuery("SELECT key_fingerprint FROM audit_anchor")) {
            r.next();
            assertThat(r.getString(1)).hasSize(32).isNotEqualTo(ENV.get(SecretBox.ENV_KEY));
        }
    }

    @Test
    void anUnwritableLogThrowsAuditUnavailable() throws Exception {
        Files.delete(log);
        Files.createDirectory(log);
        assertThatThrownBy(() -> services.audit().append(AuditEvent.of("a", "b", "c", "success")))
                .isInstanceOf(AuditLog.AuditUnavailableException.class);
        assertThatThrownBy(() -> services.audit().withFreeSpaceProbe(p -> 0L).ensureWritable())
                .isInstanceOf(AuditLog.AuditUnavailableException.class);
    }

    @Test
    void recordsStayValidJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String line : lines()) {
            assertThat(json.readTree(line).get("hash").asText()).hasSize(64);
        }
    }
}
