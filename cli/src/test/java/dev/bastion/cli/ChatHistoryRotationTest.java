package dev.bastion.cli;

import dev.bastion.security.SecurityServices;
import dev.bastion.security.Role;
import dev.bastion.web.conversations.Conversation;
import dev.bastion.web.conversations.ConversationStore;
import dev.bastion.web.conversations.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chat history is keyed from the server secret, which {@code secret rotate} does not change (it moves the models
 * secret to {@code models.key}): encrypted history reads the same after a rotation, its rows untouched.
 */
class ChatHistoryRotationTest {

    @TempDir
    Path home;
    @TempDir
    Path tmp;

    @Test
    void encryptedHistoryReadsAfterASecretRotation() throws Exception {
        Map<String, String> on = Map.of(ModelSecret.ENV_ENCRYPT, "on");
        CliRun created = CliRun.run(home, new CreateCommand(), "tiny", "--generate", "llama", "--encrypt");
        assertThat(created.exit()).as(created.err()).isZero();
        SecurityServices services = SecurityServices.open(home, on);
        long alice = services.users().create("alice", Role.USER).id();
        ConversationStore store = ConversationStore.open(services, on);
        Conversation c = store.create(alice, "Harbour accounts", "tiny", "keep it short", null);
        store.append(alice, c.id(), List.of(Message.of("user", "the vault code is 7731", null, null, null, null, null, null),
                Message.of("assistant", "noted, 7731", null, null, null, null, null, null)));
        List<String> before = rows(services);
        assertThat(before).noneMatch(v -> v.contains("7731") || v.contains("Harbour"));

        Path newKey = tmp.resolve("new.key");
        byte[] secret = new byte[32];
        new Random(7).nextBytes(secret);
        Files.writeString(newKey, Base64.getEncoder().encodeToString(secret) + "\n");
        SecretCommand.Rotate rotate = new SecretCommand.Rotate();
        CommandLine line = new CommandLine(rotate); // injects the --home mixin the environment goes into
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        line.setOut(new PrintWriter(out));
        line.setErr(new PrintWriter(err));
        rotate.home.environment = Map.of(ModelSecret.ENV_NEW_KEY_FILE, newKey.toString());
        assertThat(line.execute("--home", home.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("re-wrapped");
        assertThat(home.resolve(ModelSecret.MODELS_KEY_FILE)).exists();

        // a fresh open of the home, as the restarted server does
        SecurityServices reopened = SecurityServices.open(home, on);
        Conversation read = ConversationStore.open(reopened, on).get(alice, c.id()).orElseThrow();
        assertThat(read.title()).isEqualTo("Harbour accounts");
        assertThat(read.system()).isEqualTo("keep it short");
        assertThat(read.messages()).extracting(Message::content).containsExactly("the vault code is 7731", "noted, 7731");
        assertThat(rows(reopened)).isEqualTo(before);
    }

    private static List<String> rows(SecurityServices services) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = services.database().connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT m.content, c.title, c.system_prompt FROM web_messages m"
                     + " JOIN web_conversations c ON c.id = m.conversation_id ORDER BY m.position")) {
            while (r.next()) values.addAll(List.of(r.getString(1), r.getString(2), r.getString(3)));
        }
        return values;
    }
}
