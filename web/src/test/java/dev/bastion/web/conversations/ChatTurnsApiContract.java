package dev.bastion.web.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.web.WebServerFixture;
import dev.bastion.web.files.Uploads;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.bastion.web.WebServerFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chat turns on stored conversations through the real server: the tiny generated model, API keys, credits on, on each
 * database the security layer runs on.
 */
abstract class ChatTurnsApiContract {

    static final String PATH = ConversationsModule.PATH;
    /** Sampling the tiny model's reply to "Once upon a time" with this seed gives 1,033 tokens before its end token. */
    static final String LONG_RUN = "\"temperature\":1.5,\"seed\":8";

    @TempDir
    Path home;
    @TempDir
    Path scratch;
    WebServerFixture web;

    protected abstract java.util.Map<String, String> environment() throws Exception;

    @BeforeEach
    void start() throws Exception {
        web = new WebServerFixture(home, scratch, Uploads.Limits.DEFAULTS, environment());
    }

    @AfterEach
    void stop() {
        if (web != null) web.close();
    }

    String conversation(String key, String options) throws Exception {
        return web.ok(web.send("POST", PATH, key, "{\"title\":\"t\",\"model\":\"tiny\",\"options\":" + options + "}"), 201)
                .get("id").asText();
    }

    JsonNode stored(String key, String id) throws Exception {
        return web.ok(web.send("GET", PATH + "/" + id, key, null), 200);
    }

    /** The NDJSON lines of a reply, each parsed. */
    List<JsonNode> reply(String key, String id, ObjectNode body) throws Exception {
        HttpResponse<String> r = web.send("POST", PATH + "/" + id + "/reply", key, body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) lines.add(JSON.readTree(line));
        return lines;
    }

    static ObjectNode ask(String content) {
        return JSON.createObjectNode().put("content", content);
    }

    static String streamedText(List<JsonNode> lines) {
        StringBuilder text = new StringBuilder();
        lines.stream().filter(l -> !l.get("done").asBoolean()).forEach(l -> text.append(l.get("message").get("content").asText()));
        return text.toString();
    }

    @Test
    void aStreamedTurnIsStoredWithItsCountsSpeedAndCredits() throws Exception {
        String id = conversation(web.aliceKey, "{\"num_predict\":5,\"num_ctx\":256," + LONG_RUN + "}");
        List<JsonNode> lines = reply(web.aliceKey, id, ask("Once upon a time"));
        JsonNode last = lines.getLast();
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(lines.size()).as("streamed piece by piece").isGreaterThan(2);
        int prompt = last.get("prompt_eval_count").asInt();
        int generated = last.get("eval_count").asInt();
        long charged = last.get("credits_charged").asLong();
        assertThat(generated).isEqualTo(5);
        assertThat(charged).isEqualTo(prompt + 2L * generated);

        JsonNode messages = stored(web.aliceKey, id).get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Once upon a time");
        JsonNode answer = messages.get(1);
        assertThat(answer.get("role").asText()).isEqualTo("assistant");
        assertThat(answer.get("content").asText()).isEqualTo(streamedText(lines));
        assertThat(answer.get("prompt_tokens").asInt()).isEqualTo(prompt);
        assertThat(answer.get("generated_tokens").asInt()).isEqualTo(generated);
        assertThat(answer.get("tokens_per_second").asDouble()).isPositive();
        assertThat(answer.get("credits").asLong()).isEqualTo(charged);
        assertThat(answer.get("done_reason").asText()).isEqualTo(last.get("done_reason").asText());
        assertThat(web.credits.ledger().balanceOfUser(web.aliceId)).isEqualTo(WebServerFixture.GRANT - charged);

        // the next turn's prompt is the stored history: it grows by the first turn
        List<JsonNode> second = reply(web.aliceKey, id, ask("and then"));
        assertThat(second.getLast().get("prompt_eval_count").asInt()).isGreaterThan(prompt + generated);
        assertThat(stored(web.aliceKey, id).get("messages")).hasSize(4);
    }

    @Test
    void aTurnTheClientAbandonsStoresOnePartialReplyChargedOnce() throws Exception {
        // about a second of generation: time to leave mid-way
        String id = conversation(web.aliceKey, "{\"num_predict\":1900,\"num_ctx\":2048," + LONG_RUN + "}");
        URI base = URI.create(web.server.baseUrl());
        String json = ask("Once upon a time").toString();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + PATH + "/" + id + "/reply HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + web.aliceKey
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + json.getBytes(StandardCharsets.UTF_8).length
                    + "\r\n\r\n" + json).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int pieces = 0;
            for (String line; (line = in.readLine()) != null && pieces < 3; ) {
                if (line.contains("\"done\":false")) pieces++;
            }
            assertThat(pieces).isEqualTo(3);
        } // the browser's Stop: the connection goes away mid-stream

        JsonNode messages = null;
        for (int i = 0; i < 200; i++) {
            messages = stored(web.aliceKey, id).get("messages");
            if (messages.size() == 2) break;
            Thread.sleep(50);
        }
        assertThat(messages).hasSize(2);
        JsonNode answer = messages.get(1);
        assertThat(answer.get("role").asText()).isEqualTo("assistant");
        assertThat(answer.get("done_reason").asText()).as(answer.toString()).isEqualTo("cancelled");
        assertThat(answer.get("content").asText()).isNotEmpty();
        int generated = answer.get("generated_tokens").asInt();
        assertThat(generated).isBetween(3, 1000);
        long credits = answer.get("credits").asLong();
        assertThat(credits).isEqualTo(answer.get("prompt_tokens").asLong() + 2L * generated);
        Thread.sleep(200); // nothing else may arrive: exactly one reply for the turn
        assertThat(stored(web.aliceKey, id).get("messages")).hasSize(2);
        assertThat(web.credits.ledger().balanceOfUser(web.aliceId)).isEqualTo(WebServerFixture.GRANT - credits);
        assertThat(web.credits.ledger().openReservations(web.aliceId)).isEmpty();
        assertThat(web.credits.ledger().verify().problems()).isEmpty();
    }

    @Test
    void regenerateReplacesTheLastReplyWithTheNewSettings() throws Exception {
        String id = conversation(web.aliceKey, "{\"num_predict\":5,\"num_ctx\":256," + LONG_RUN + "}");
        reply(web.aliceKey, id, ask("Once upon a time"));
        assertThat(stored(web.aliceKey, id).get("messages").get(1).get("generated_tokens").asInt()).isEqualTo(5);

        ObjectNode again = JSON.createObjectNode().put("regenerate", true);
        again.putObject("options").put("num_predict", 2).put("num_ctx", 256).put("temperature", 1.5).put("seed", 8);
        List<JsonNode> lines = reply(web.aliceKey, id, again);

        JsonNode conversation = stored(web.aliceKey, id);
        JsonNode messages = conversation.get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Once upon a time");
        assertThat(messages.get(1).get("generated_tokens").asInt()).isEqualTo(lines.getLast().get("eval_count").asInt()).isEqualTo(2);
        assertThat(messages.get(1).get("content").asText()).isEqualTo(streamedText(lines));
        assertThat(conversation.get("options").get("num_predict").asInt()).as("the turn's options are kept").isEqualTo(2);

        String empty = conversation(web.aliceKey, "{}");
        HttpResponse<String> nothing = web.send("POST", PATH + "/" + empty + "/reply", web.aliceKey, again.toString());
        assertThat(nothing.statusCode()).isEqualTo(400);
    }

    @Test
    void attachedTextAndPdfFilesBecomeThePromptsContextCapped() throws Exception {
        String notes = web.uploadedId(web.aliceKey, "notes.txt", "the secret word is swordfish".getBytes(StandardCharsets.UTF_8));
        String pdf = web.uploadedId(web.aliceKey, "report.pdf", pdf("pelicans nest on the cliffs"));
        String id = conversation(web.aliceKey, "{\"num_predict\":2,\"num_ctx\":512}");
        ObjectNode body = ask("what is the word?");
        body.putArray("attachments").add(notes).add(pdf);
        List<JsonNode> lines = reply(web.aliceKey, id, body);

        String sent = stored(web.aliceKey, id).get("messages").get(0).get("content").asText();
        assertThat(sent).startsWith("what is the word?").contains("[Attached file: notes.txt]", "the secret word is swordfish",
                "[Attached file: report.pdf]", "pelicans nest on the cliffs");
        String without = conversation(web.aliceKey, "{\"num_predict\":2,\"num_ctx\":512}");
        int plain = reply(web.aliceKey, without, ask("what is the word?")).getLast().get("prompt_eval_count").asInt();
        assertThat(lines.getLast().get("prompt_eval_count").asInt()).as("the model read the files").isGreaterThan(plain + 10);

        String big = web.uploadedId(web.aliceKey, "big.txt", "x".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        String capped = conversation(web.aliceKey, "{\"num_predict\":1,\"num_ctx\":2048}");
        ObjectNode bigBody = ask("summarise");
        bigBody.putArray("attachments").add(big);
        HttpResponse<String> r = web.send("POST", PATH + "/" + capped + "/reply", web.aliceKey, bigBody.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String cut = stored(web.aliceKey, capped).get("messages").get(0).get("content").asText();
        assertThat(cut).contains("the rest was cut: at most 65536 characters");
        String attached = cut.substring(cut.indexOf("[Attached file: big.txt]\n") + 25, cut.indexOf("\n[... the rest was cut"));
        assertThat(attached).isEqualTo("x".repeat(64 * 1024));
    }

    @Test
    void anotherUsersConversationAndFilesAreUnknownAndATurnRefusedBeforeItRanStoresNothing() throws Exception {
        String alices = conversation(web.aliceKey, "{\"num_predict\":2}");
        String file = web.uploadedId(web.aliceKey, "private.txt", "alice's diary".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> theirs = web.send("POST", PATH + "/" + alices + "/reply", web.bobKey, ask("hi").toString());
        HttpResponse<String> none = web.send("POST", PATH + "/" + UUID.randomUUID() + "/reply", web.bobKey, ask("hi").toString());
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(theirs.body()).get("error")).isEqualTo(JSON.readTree(none.body()).get("error"));
        assertThat(stored(web.aliceKey, alices).get("messages")).isEmpty();

        String bobs = conversation(web.bobKey, "{\"num_predict\":2}");
        ObjectNode steal = ask("read it");
        steal.putArray("attachments").add(file);
        HttpResponse<String> stolen = web.send("POST", PATH + "/" + bobs + "/reply", web.bobKey, steal.toString());
        assertThat(stolen.statusCode()).isEqualTo(404);
        assertThat(stolen.body()).doesNotContain("diary").contains("file not found");
        assertThat(stored(web.bobKey, bobs).get("messages")).isEmpty();

        ObjectNode unknownModel = ask("hi").put("model", "no-such-model");
        assertThat(web.send("POST", PATH + "/" + bobs + "/reply", web.bobKey, unknownModel.toString()).statusCode()).isEqualTo(404);
        ObjectNode badOptions = ask("hi");
        badOptions.putObject("options").put("temperature", "hot");
        assertThat(web.send("POST", PATH + "/" + bobs + "/reply", web.bobKey, badOptions.toString()).statusCode()).isEqualTo(400);
        JsonNode untouched = stored(web.bobKey, bobs);
        assertThat(untouched.get("messages")).isEmpty();
        assertThat(untouched.get("model").asText()).isEqualTo("tiny");
        assertThat(web.credits.ledger().balanceOfUser(web.bobId)).isEqualTo(WebServerFixture.GRANT);
    }

    static byte[] pdf(String text) throws Exception {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                content.newLineAtOffset(72, 700);
                content.showText(text);
                content.endText();
            }
            document.save(out);
            return out.toByteArray();
        }
    }
}
