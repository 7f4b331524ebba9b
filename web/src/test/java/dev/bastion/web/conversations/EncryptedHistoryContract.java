package dev.bastion.web.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.security.EncryptionSwitch;
import dev.bastion.security.SecretBox;
import dev.bastion.web.WebServerFixture;
import dev.bastion.web.files.Uploads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.bastion.web.WebServerFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chat history under the home's switch ({@code BASTION_ENCRYPT_MODELS=on}) through the real server: what users typed
 * and the model wrote is nowhere in the database in clear, reads back intact, cannot be moved between rows or users,
 * and homes that turn the switch off or on keep reading all of their history.
 */
abstract class EncryptedHistoryContract {

    static final String PATH = ConversationsModule.PATH;
    static final String PHRASE = "Zanzibar marmalade rendezvous at 0400";
    static final String TITLE = "Operation Quiet Heron";
    static final String SYSTEM = "You are the keeper of the lighthouse ledger";

    @TempDir
    Path home;
    @TempDir
    Path scratch;
    WebServerFixture web;

    protected abstract Map<String, String> database() throws Exception;

    /** Whether the database is SQLite in the home, whose files can be scanned byte by byte too. */
    protected abstract boolean sqlite();

    @BeforeEach
    void start() throws Exception {
        Map<String, String> env = new HashMap<>(database());
        env.put(EncryptionSwitch.ENV, "on");
        web = new WebServerFixture(home, scratch, Uploads.Limits.DEFAULTS, env);
    }

    @AfterEach
    void stop() {
        if (web != null) web.close();
    }

    String create(String key, String title) throws Exception {
        return web.ok(web.send("POST", PATH, key, JSON.writeValueAsString(Map.of("title", title, "model", "tiny",
                "system", SYSTEM, "options", Map.of("num_predict", 24, "num_ctx", 256, "temperature", 0)))), 201).get("id").asText();
    }

    /** One chat turn through the server's chat path; the reply's text. */
    String turn(String key, String id, String content) throws Exception {
        HttpResponse<String> r = web.send("POST", PATH + "/" + id + "/reply", key, JSON.writeValueAsString(Map.of("content", content)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        StringBuilder text = new StringBuilder();
        for (String line : r.body().split("\n")) {
            JsonNode l = JSON.readTree(line);
            if (!l.get("done").asBoolean()) text.append(l.get("message").get("content").asText());
        }
        return text.toString();
    }

    JsonNode get(String key, String id) throws Exception {
        return web.ok(web.send("GET", PATH + "/" + id, key, null), 200);
    }

    List<String> search(String key, String q) throws Exception {
        JsonNode page = web.ok(web.send("GET", PATH + "?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), key, null), 200);
        List<String> ids = new ArrayList<>();
        page.get("conversations").forEach(c -> ids.add(c.get("id").asText()));
        return ids;
    }

    /** Every value of both history tables, as the database returns it. */
    List<String> storedValues() throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = web.security.database().connection(); Statement s = c.createStatement()) {
            for (String table : List.of("web_conversations", "web_messages")) {
                try (ResultSet r = s.executeQuery("SELECT * FROM " + table)) {
                    while (r.next()) {
                        for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) values.add(String.valueOf(r.getString(i)));
                    }
                }
            }
        }
        return values;
    }

    String raw(String sql, Object... args) throws Exception {
        try (Connection c = web.security.database().connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).as(sql).isTrue();
                return r.getString(1);
            }
        }
    }

    int execute(String sql, Object... args) throws Exception {
        try (Connection c = web.security.database().connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            return s.executeUpdate();
        }
    }

    @Test
    void whatTheUserTypedAndTheModelWroteIsNotStoredInClearAndReadsBackIntact() throws Exception {
        String id = create(web.aliceKey, TITLE);
        String reply = turn(web.aliceKey, id, PHRASE);
        assertThat(reply).hasSizeGreaterThan(12);
        web.ok(web.send("POST", PATH + "/" + id + "/messages", web.aliceKey, JSON.writeValueAsString(Map.of("messages", List.of(
                Map.of("role", "user", "content", "look it up"), Map.of("role", "assistant", "content", "calling", "tool_calls", List.of(Map.of("function",
                        Map.of("name", "lookup", "arguments", Map.of("query", "Quokka sunrise almanac"))))))))), 201);

        JsonNode stored = get(web.aliceKey, id);
        assertThat(stored.get("title").asText()).isEqualTo(TITLE);
        assertThat(stored.get("system").asText()).isEqualTo(SYSTEM);
        assertThat(stored.get("options").get("num_predict").asInt()).isEqualTo(24);
        assertThat(stored.get("messages").get(0).get("content").asText()).isEqualTo(PHRASE);
        assertThat(stored.get("messages").get(1).get("content").asText()).isEqualTo(reply);
        assertThat(stored.get("messages").get(3).get("tool_calls").toString()).contains("Quokka sunrise almanac");
        assertThat(web.send("GET", PATH + "/" + id + "/export?format=markdown", web.aliceKey, null).body())
                .contains(TITLE, PHRASE, reply, SYSTEM);
        assertThat(web.ok(web.send("GET", PATH, web.aliceKey, null), 200).get("conversations").get(0).get("title").asText())
                .isEqualTo(TITLE);
        // the next turn's context is the decrypted history: the prompt grows by the first turn
        assertThat(turn(web.aliceKey, id, "and then")).isNotNull();
        assertThat(get(web.aliceKey, id).get("messages")).hasSize(6);

        List<String> secrets = List.of(PHRASE, reply, TITLE, SYSTEM, "Quokka sunrise almanac", "num_predict", "and then");
        List<String> values = storedValues();
        for (String secret : secrets) {
            assertThat(values).as("no stored value holds %s", secret).noneMatch(v -> v.contains(secret));
        }
        assertThat(values).anyMatch(v -> v.startsWith(HistoryCipher.SEALED));
        if (sqlite()) {
            try (var files = Files.list(home)) {
                for (Path file : files.filter(f -> f.getFileName().toString().startsWith("bastion.db")).toList()) {
                    String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    for (String secret : secrets) {
                        assertThat(bytes).as("%s holds %s", file, secret)
                                .doesNotContain(new String(secret.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
    }

    @Test
    void aTitleOfTheLongestAllowedLengthStillFitsOnceEncrypted() throws Exception {
        String longest = "日".repeat(ConversationsModule.MAX_TITLE); // 600 bytes of UTF-8, ~850 characters sealed (V35)
        String id = create(web.aliceKey, longest);
        assertThat(raw("SELECT title FROM web_conversations WHERE id = ?", id)).hasSizeGreaterThan(800);
        assertThat(get(web.aliceKey, id).get("title").asText()).isEqualTo(longest);
        String renamed = "😀".repeat(ConversationsModule.MAX_TITLE / 2);
        web.ok(web.send("PATCH", PATH + "/" + id, web.aliceKey, JSON.writeValueAsString(Map.of("title", renamed))), 200);
        assertThat(get(web.aliceKey, id).get("title").asText()).isEqualTo(renamed);
    }

    @Test
    void searchFindsEncryptedTextInTheUsersOwnConversationsOnly() throws Exception {
        String mine = create(web.aliceKey, TITLE);
        turn(web.aliceKey, mine, PHRASE);
        String other = create(web.aliceKey, "groceries");
        String bobs = create(web.bobKey, "bob's");
        turn(web.bobKey, bobs, PHRASE);

        assertThat(search(web.aliceKey, "MARMALADE rendezvous")).containsExactly(mine);
        assertThat(search(web.aliceKey, "quiet heron")).containsExactly(mine);
        assertThat(search(web.aliceKey, "grocer")).containsExactly(other);
        assertThat(search(web.bobKey, "marmalade")).containsExactly(bobs);
        // the stored text is ciphertext: the marker and base64 never match
        assertThat(search(web.aliceKey, "sealed:v1")).isEmpty();
        String ciphertext = raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 0", mine);
        assertThat(search(web.aliceKey, ciphertext.substring(HistoryCipher.SEALED.length() + 4, HistoryCipher.SEALED.length() + 16))).isEmpty();
    }

    @Test
    void aRowCopiedIntoAnotherConversationOrToAnotherUserDoesNotDecrypt() throws Exception {
        String alices = create(web.aliceKey, TITLE);
        turn(web.aliceKey, alices, PHRASE);
        String bobs = create(web.bobKey, "bob's");
        turn(web.bobKey, bobs, "hello");
        String alicesOther = create(web.aliceKey, "another");
        turn(web.aliceKey, alicesOther, "hello");

        String sealedMessage = raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 0", alices);
        String sealedTitle = raw("SELECT title FROM web_conversations WHERE id = ?", alices);
        assertThat(sealedMessage).startsWith(HistoryCipher.SEALED);

        // the same position and role in bob's conversation: bound to alice and her conversation, it does not open
        execute("UPDATE web_messages SET content = ? WHERE conversation_id = ? AND position = 0", sealedMessage, bobs);
        assertUnreadable(web.bobKey, bobs, sealedMessage);
        // nor in another conversation of alice's
        execute("UPDATE web_messages SET content = ? WHERE conversation_id = ? AND position = 0", sealedMessage, alicesOther);
        assertUnreadable(web.aliceKey, alicesOther, sealedMessage);
        // nor a title moved to another conversation, nor a message moved to another position or column of its own
        execute("UPDATE web_messages SET content = ? WHERE conversation_id = ? AND position = 0", "plain again", alicesOther);
        execute("UPDATE web_conversations SET title = ? WHERE id = ?", sealedTitle, alicesOther);
        assertUnreadable(web.aliceKey, alicesOther, sealedTitle);
        String reply = raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 1", alices);
        execute("UPDATE web_messages SET thinking = ? WHERE conversation_id = ? AND position = 1", reply, alices);
        assertUnreadable(web.aliceKey, alices, reply, false); // search reads titles and contents only
        // a conversation given to another user: every value is bound to its owner
        execute("UPDATE web_messages SET thinking = NULL WHERE conversation_id = ?", alices);
        assertThat(get(web.aliceKey, alices).get("messages").get(0).get("content").asText()).isEqualTo(PHRASE);
        execute("UPDATE web_conversations SET user_id = ? WHERE id = ?", web.bobId, alices);
        assertUnreadable(web.bobKey, alices, sealedMessage);
        // a hostile value behind the marker: garbage, truncated
        execute("UPDATE web_conversations SET user_id = ? WHERE id = ?", web.aliceId, alices);
        for (String hostile : List.of(HistoryCipher.SEALED + "!!not base64!!", HistoryCipher.SEALED,
                sealedMessage.substring(0, sealedMessage.length() - 10), sealedMessage + "AAAA")) {
            execute("UPDATE web_messages SET content = ? WHERE conversation_id = ? AND position = 0", hostile, alices);
            assertUnreadable(web.aliceKey, alices, hostile);
        }
    }

    private void assertUnreadable(String key, String id, String stored) throws Exception {
        assertUnreadable(key, id, stored, true);
    }

    private void assertUnreadable(String key, String id, String stored, boolean bySearchToo) throws Exception {
        List<String> paths = new ArrayList<>(List.of(PATH + "/" + id, PATH + "/" + id + "/export?format=markdown"));
        if (bySearchToo) paths.add(PATH + "?q=zzz");
        for (String path : paths) {
            HttpResponse<String> r = web.send("GET", path, key, null);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(500);
            assertThat(r.body()).contains("cannot be read").doesNotContain(PHRASE).doesNotContain(stored)
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
        HttpResponse<String> turn = web.send("POST", PATH + "/" + id + "/reply", key, "{\"content\":\"hi\"}");
        assertThat(turn.statusCode()).as(turn.body()).isEqualTo(500);
        assertThat(turn.body()).contains("cannot be read").doesNotContain(PHRASE);
    }

    @Test
    void anotherServerSecretFailsCleanly() throws Exception {
        String id = create(web.aliceKey, TITLE);
        turn(web.aliceKey, id, PHRASE);
        byte[] other = new byte[32];
        new SecureRandom().nextBytes(other);
        ConversationStore wrong = new ConversationStore(web.security.database(), Clock.systemUTC(), HistoryCipher.of(new SecretBox(other), true));
        assertThatThrownBy(() -> wrong.get(web.aliceId, id)).isInstanceOf(HistoryCipher.UnreadableException.class)
                .hasMessageContaining("does not decrypt with this server's secret").hasMessageContaining(id)
                .message().doesNotContain(PHRASE).doesNotContain(TITLE);
        assertThatThrownBy(() -> wrong.list(web.aliceId, 10, 0)).isInstanceOf(HistoryCipher.UnreadableException.class);
        ConversationStore keyless = new ConversationStore(web.security.database(), Clock.systemUTC());
        assertThatThrownBy(() -> keyless.get(web.aliceId, id)).isInstanceOf(HistoryCipher.UnreadableException.class)
                .hasMessageContaining("no server secret");
        // the same home's secret still reads it
        assertThat(get(web.aliceKey, id).get("messages").get(0).get("content").asText()).isEqualTo(PHRASE);
    }

    @Test
    void turningTheSwitchOffKeepsEncryptedHistoryReadableAndOnReadsMixedHistory() throws Exception {
        String id = create(web.aliceKey, TITLE);
        String reply = turn(web.aliceKey, id, PHRASE);

        // the switch off (the same secret): encrypted rows read, new ones are plain
        ConversationStore off = new ConversationStore(web.security.database(), Clock.systemUTC(),
                HistoryCipher.of(web.security.secrets(), false));
        Conversation before = off.get(web.aliceId, id).orElseThrow();
        assertThat(before.title()).isEqualTo(TITLE);
        assertThat(before.messages()).extracting(Message::content).containsExactly(PHRASE, reply);
        String looksSealed = HistoryCipher.SEALED + "typed by a user, not a box";
        assertThat(off.append(web.aliceId, id, List.of(Message.of("user", "plain pelican", null, null, null, null, null, null),
                Message.of("assistant", looksSealed, null, null, null, null, null, null)))).isTrue();
        // search lists the newest first and breaks a tie in updated_at (milliseconds) by id: keep plainOne strictly newer
        long appended = System.currentTimeMillis();
        while (System.currentTimeMillis() <= appended) {
            Thread.onSpinWait();
        }
        Conversation plainOne = off.create(web.aliceId, "plain title", "tiny", null, null);
        off.append(web.aliceId, plainOne.id(), List.of(Message.of("user", "plain pelican too", null, null, null, null, null, null),
                Message.of("assistant", "noted", null, null, null, null, null, null)));
        assertThat(raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 2", id)).isEqualTo("plain pelican");
        assertThat(raw("SELECT title FROM web_conversations WHERE id = ?", plainOne.id())).isEqualTo("plain title");
        assertThat(off.get(web.aliceId, id).orElseThrow().messages().get(3).content()).isEqualTo(looksSealed);

        // the switch on (the server): mixed rows read alike, search finds both kinds
        JsonNode mixed = get(web.aliceKey, id);
        assertThat(mixed.get("title").asText()).isEqualTo(TITLE);
        List<String> contents = new ArrayList<>();
        mixed.get("messages").forEach(m -> contents.add(m.get("content").asText()));
        assertThat(contents).containsExactly(PHRASE, reply, "plain pelican", looksSealed);
        assertThat(get(web.aliceKey, plainOne.id()).get("title").asText()).isEqualTo("plain title");
        assertThat(search(web.aliceKey, "pelican")).containsExactly(plainOne.id(), id);
        assertThat(search(web.aliceKey, "marmalade")).containsExactly(id);
        // and a turn on the mixed history stores its new rows encrypted
        turn(web.aliceKey, plainOne.id(), "next question");
        assertThat(raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 1", plainOne.id())).isEqualTo("noted");
        assertThat(raw("SELECT content FROM web_messages WHERE conversation_id = ? AND position = 2", plainOne.id()))
                .startsWith(HistoryCipher.SEALED);
        JsonNode after = get(web.aliceKey, plainOne.id()).get("messages");
        assertThat(after).hasSize(4);
        assertThat(after.get(0).get("content").asText()).isEqualTo("plain pelican too");
        assertThat(after.get(2).get("content").asText()).isEqualTo("next question");
    }
}
