package dev.bastion.web.conversations;

import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Search decrypts a bounded number of conversations; plain text is matched by the database without that bound. */
class SealedSearchBoundTest {

    @TempDir
    Path home;

    @Test
    void searchLooksThroughTheNewestSealedConversationsOnlyAndAllPlainOnes() {
        SecurityServices services = SecurityServices.open(home, Map.of());
        long alice = services.users().create("alice", Role.USER).id();
        AtomicLong now = new AtomicLong(1_700_000_000_000L);
        Clock ticking = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return Instant.ofEpochMilli(now.incrementAndGet()); }
        };
        ConversationStore plain = new ConversationStore(services.database(), ticking, HistoryCipher.of(services.secrets(), false));
        ConversationStore sealed = new ConversationStore(services.database(), ticking, HistoryCipher.of(services.secrets(), true));

        String oldestPlain = plain.create(alice, "plain needle", null, null, null).id();
        String oldestSealed = sealed.create(alice, "sealed needle", null, null, null).id();
        String newestSealed = null;
        for (int i = 0; i < ConversationStore.MAX_SEALED_SEARCH; i++) {
            newestSealed = sealed.create(alice, "filler " + i, null, null, null).id();
        }
        sealed.append(alice, newestSealed, List.of(Message.of("user", "a NEEDLE in the newest", null, null, null, null, null, null)));

        List<String> found = sealed.search(alice, "needle", 100, 0).stream().map(Conversation::id).toList();
        assertThat(found).containsExactly(newestSealed, oldestPlain);
        assertThat(sealed.search(alice, "needle", 1, 1)).extracting(Conversation::id).containsExactly(oldestPlain);
        assertThat(sealed.search(alice, "filler 499", 10, 0)).extracting(Conversation::id).containsExactly(newestSealed);
        // within the bound, the oldest sealed one is found again
        sealed.delete(alice, newestSealed);
        assertThat(sealed.search(alice, "needle", 100, 0)).extracting(Conversation::id).containsExactly(oldestSealed, oldestPlain);
    }
}
