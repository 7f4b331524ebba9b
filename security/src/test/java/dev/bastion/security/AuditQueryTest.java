package dev.bastion.security;

import dev.bastion.security.AuditQuery.Filter;
import dev.bastion.security.AuditQuery.Page;
import dev.bastion.security.AuditQuery.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditQueryTest {

    @TempDir
    Path dir;

    private Path log(int records) {
        Path file = dir.resolve("audit.log");
        AuditLog log = AuditLog.open(file, null);
        for (int i = 1; i <= records; i++) {
            String actor = i % 3 == 0 ? "bob" : "alice";
            String action = i % 2 == 0 ? "user.create" : "key.revoke";
            log.append(new AuditEvent("req-" + i, actor, action, "t" + i, i % 5 == 0 ? "denied" : "success",
                    Map.of("n", Integer.toString(i))));
        }
        return file;
    }

    private static List<Long> seqs(Page page) {
        return page.records().stream().map(Record::seq).toList();
    }

    @Test
    void pagesNewestFirstUntilTheFirstRecord() {
        Path file = log(7);
        Page first = AuditQuery.page(file, new Filter(null, null, null, null, 3));
        assertThat(seqs(first)).containsExactly(7L, 6L, 5L);
        assertThat(first.nextBefore()).isEqualTo(5L);
        Page second = AuditQuery.page(file, new Filter(null, null, null, first.nextBefore(), 3));
        assertThat(seqs(second)).containsExactly(4L, 3L, 2L);
        Page last = AuditQuery.page(file, new Filter(null, null, null, second.nextBefore(), 3));
        assertThat(seqs(last)).containsExactly(1L);
        assertThat(last.nextBefore()).isNull();
        Record one = last.records().getFirst();
        assertThat(one.actor()).isEqualTo("alice");
        assertThat(one.action()).isEqualTo("key.revoke");
        assertThat(one.requestId()).isEqualTo("req-1");
        assertThat(one.details()).containsEntry("n", "1");
    }

    @Test
    void exactlyAFullLastPageHasNoNextPage() {
        Path file = log(4);
        Page page = AuditQuery.page(file, new Filter(null, null, null, null, 4));
        assertThat(seqs(page)).containsExactly(4L, 3L, 2L, 1L);
        assertThat(page.nextBefore()).isNull();
    }

    @Test
    void filtersByActorActionPrefixAndOutcome() {
        Path file = log(30);
        assertThat(seqs(AuditQuery.page(file, new Filter("bob", null, null, null, 200))))
                .containsExactly(30L, 27L, 24L, 21L, 18L, 15L, 12L, 9L, 6L, 3L);
        assertThat(seqs(AuditQuery.page(file, new Filter("bob", "user", null, null, 200))))
                .as("'user' matches user.create, not a longer word").containsExactly(30L, 24L, 18L, 12L, 6L);
        assertThat(seqs(AuditQuery.page(file, new Filter(null, "user.creat", null, null, 200)))).isEmpty();
        assertThat(seqs(AuditQuery.page(file, new Filter(null, "key.revoke", "denied", null, 200))))
                .containsExactly(25L, 15L, 5L);
        assertThat(seqs(AuditQuery.page(file, new Filter("bob", null, "denied", 20L, 200)))).containsExactly(15L);
    }

    @Test
    void readsALogLargerThanItsBlocksAndSkipsDamagedAndHugeLines() throws Exception {
        Path file = log(2000); // well over 64 KiB: lines straddle block boundaries
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set(1000, "not json {");
        lines.set(1001, "x".repeat(AuditQuery.MAX_LINE_BYTES + 10));
        Files.write(file, lines);
        Files.writeString(file, "{\"seq\":", StandardOpenOption.APPEND); // a torn tail
        List<Long> all = new ArrayList<>();
        Long before = null;
        do {
            Page page = AuditQuery.page(file, new Filter(null, null, null, before, 200));
            all.addAll(seqs(page));
            before = page.nextBefore();
        } while (before != null);
        assertThat(all).hasSize(1998).doesNotContain(1001L, 1002L);
        assertThat(all.getFirst()).isEqualTo(2000L);
        assertThat(all.getLast()).isEqualTo(1L);
        assertThat(Files.size(file)).isGreaterThan(64 * 1024);
    }

    @Test
    void aMissingOrEmptyLogIsAnEmptyPage() throws Exception {
        assertThat(AuditQuery.page(dir.resolve("none.log"), new Filter(null, null, null, null, 10)).records()).isEmpty();
        Path empty = Files.writeString(dir.resolve("empty.log"), "", StandardCharsets.UTF_8);
        assertThat(AuditQuery.page(empty, new Filter(null, null, null, null, 10)).records()).isEmpty();
    }

    @Test
    void limitsAndCursorAreBounded() {
        assertThatThrownBy(() -> new Filter(null, null, null, null, 0)).hasMessageContaining("limit");
        assertThatThrownBy(() -> new Filter(null, null, null, null, AuditQuery.MAX_LIMIT + 1)).hasMessageContaining("limit");
        assertThatThrownBy(() -> new Filter(null, null, null, 0L, 10)).hasMessageContaining("before");
    }
}
