package dev.bastion.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuditLogTest {

    @TempDir
    Path dir;

    private Path writeFive(byte[] hmacKey) {
        Path file = dir.resolve("audit.log");
        AuditLog log = AuditLog.open(file, hmacKey);
        for (int i = 1; i <= 5; i++) {
            log.append(new AuditEvent("req-" + i, "alice", "key.create", "key-" + i, "success", Map.of("n", "" + i)));
        }
        return file;
    }

    private List<String> lines(Path file) throws Exception {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    @Test
    void intactLogVerifiesAndRecordsHaveAllFields() throws Exception {
        Path file = writeFive(null);
        assertThat(AuditLog.verify(file).describe()).isEqualTo("ok, 5 records");
        assertThat(lines(file).getFirst()).contains("\"seq\":1", "\"request_id\":\"req-1\"", "\"actor\":\"alice\"",
                "\"action\":\"key.create\"", "\"target\":\"key-1\"", "\"outcome\":\"success\"", "\"prev\":\"" + "0".repeat(64),
                "\"hash\":", "\"time\":");
    }

    @Test
    void editedRecordIsNamed() throws Exception {
        Path file = writeFive(null);
        List<String> lines = lines(file);
        lines.set(2, lines.get(2).replace("\"outcome\":\"success\"", "\"outcome\":\"failure\""));
        Files.write(file, lines);
        AuditLog.VerificationResult result = AuditLog.verify(file);
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(3);
        assertThat(result.badSeq()).isEqualTo(3L);
        assertThat(result.describe()).contains("line 3", "edited");
    }

    @Test
    void removedRecordIsNamed() throws Exception {
        Path file = writeFive(null);
        List<String> lines = lines(file);
        lines.remove(1);
        Files.write(file, lines);
        AuditLog.VerificationResult result = AuditLog.verify(file);
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(2);
        assertThat(result.badSeq()).isEqualTo(3L);
    }

    @Test
    void reorderedRecordsAreNamed() throws Exception {
        Path file = writeFive(null);
        List<String> lines = lines(file);
        Collections.swap(lines, 3, 4);
        Files.write(file, lines);
        AuditLog.VerificationResult result = AuditLog.verify(file);
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(4);
    }

    @Test
    void insertedRecordWithRecomputedHashIsCaughtByHmac() throws Exception {
        byte[] key = new byte[32];
        key[0] = 7;
        Path file = writeFive(key);
        assertThat(AuditLog.verify(file, key).ok()).isTrue();
        assertThat(AuditLog.verify(file, new byte[32]).ok()).as("wrong key").isFalse();
        List<String> lines = lines(file);
        lines.add(2, lines.get(1));
        Files.write(file, lines);
        AuditLog.VerificationResult result = AuditLog.verify(file, key);
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(3);
    }

    @Test
    void chainContinuesAcrossRestart() throws Exception {
        Path file = writeFive(null);
        AuditLog reopened = AuditLog.open(file, null);
        assertThat(reopened.append(AuditEvent.of("bob", "user.disable", "carol", "success"))).isEqualTo(6);
        assertThat(AuditLog.verify(file).describe()).isEqualTo("ok, 6 records");
    }

    @Test
    void concurrentAppendsFromTwoInstancesKeepOneChain() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog first = AuditLog.open(file, null);
        AuditLog second = AuditLog.open(file, null);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            AuditLog log = t % 2 == 0 ? first : second;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) {
                    log.append(AuditEvent.of("a", "x", null, "success"));
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(AuditLog.verify(file).describe()).isEqualTo("ok, 100 records");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void hostileFieldValuesStayOnOneLine() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = AuditLog.open(file, null);
        log.append(new AuditEvent("r", "evil\n{\"seq\":99}", "auth.failure", "x\r\ny", "denied", Map.of("k\n", "v\u2028")));
        assertThat(lines(file)).hasSize(1);
        assertThat(AuditLog.verify(file).ok()).isTrue();
    }

    @Test
    void textSmuggledAfterOrInsideAValidRecordIsCaught() throws Exception {
        byte[] key = new byte[32];
        Path file = writeFive(key);
        List<String> original = lines(file);

        List<String> trailing = new ArrayList<>(original);
        trailing.set(1, trailing.get(1) + " {\"seq\":2,\"actor\":\"mallory\",\"action\":\"user.create\"}");
        Files.write(file, trailing);
        AuditLog.VerificationResult afterRecord = AuditLog.verify(file, key);
        assertThat(afterRecord.ok()).as("content after the record's JSON object").isFalse();
        assertThat(afterRecord.badLine()).isEqualTo(2);

        // A parser that keeps the first of duplicate keys would read actor "mallory" from a line that verifies.
        List<String> duplicate = new ArrayList<>(original);
        duplicate.set(3, duplicate.get(3).replaceFirst("^\\{", "{\"actor\":\"mallory\","));
        Files.write(file, duplicate);
        AuditLog.VerificationResult duplicateKey = AuditLog.verify(file, key);
        assertThat(duplicateKey.ok()).as("duplicate field").isFalse();
        assertThat(duplicateKey.badLine()).isEqualTo(4);

        Files.write(file, original);
        assertThat(AuditLog.verify(file, key).ok()).isTrue();
    }

    @Test
    void truncationBehindARunningServersBackIsExposedByItsNextRecord() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = AuditLog.open(file, null);
        for (int i = 1; i <= 5; i++) {
            log.append(AuditEvent.of("alice", "key.create", "key-" + i, "success"));
        }
        List<String> lines = lines(file);
        Files.write(file, lines.subList(0, 3));
        assertThat(AuditLog.verify(file).ok()).as("whole records cut from the end leave a consistent chain").isTrue();

        log.append(AuditEvent.of("bob", "user.disable", "carol", "success"));

        AuditLog.VerificationResult result = AuditLog.verify(file);
        assertThat(result.ok()).isFalse();
        assertThat(result.badLine()).isEqualTo(4);
        assertThat(result.describe()).contains("expected seq 4");
    }

    @Test
    void anExistingWorldReadableLogIsMadeOwnerOnlyOnOpen() throws Exception {
        Path file = Files.createFile(dir.resolve("audit.log"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--")));
        AuditLog.open(file, null);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        AuditLog.open(dir.resolve("absent.log"), null);
        assertThat(dir.resolve("absent.log")).as("opening alone creates nothing").doesNotExist();
    }
}
