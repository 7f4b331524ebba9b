package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.web.conversations.ConversationsModule;
import dev.bastion.web.files.FilesModule;
import dev.bastion.web.files.Uploads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.bastion.web.WebServerFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/** A signed-in browser's chat turns and uploads: the session cookie works only with the session's CSRF token. */
class SessionChatTurnsTest {

    @TempDir
    Path home;
    @TempDir
    Path scratch;
    WebServerFixture web;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        web = new WebServerFixture(home, scratch, Uploads.Limits.DEFAULTS);
    }

    @AfterEach
    void stop() {
        if (web != null) web.close();
    }

    HttpResponse<String> post(String path, String contentType, byte[] body, String cookie, String csrf) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(web.server.baseUrl() + path)).header("Content-Type", contentType)
                .header("Cookie", "bastion_session=" + cookie).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (csrf != null) b.header(WebSessionsModule.CSRF_HEADER, csrf);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSessionTakesTurnsAndUploadsOnlyWithItsCsrfToken() throws Exception {
        String[] alice = web.signInAlice();
        String id = web.ok(web.send("POST", ConversationsModule.PATH, web.aliceKey,
                "{\"model\":\"tiny\",\"options\":{\"num_predict\":2}}"), 201).get("id").asText();
        byte[] ask = "{\"content\":\"Once upon a time\"}".getBytes(StandardCharsets.UTF_8);
        String reply = ConversationsModule.PATH + "/" + id + "/reply";

        assertThat(post(reply, "application/json", ask, alice[0], null).statusCode()).isEqualTo(403);
        assertThat(post(reply, "application/json", ask, alice[0], "forged-" + alice[1]).statusCode()).isEqualTo(403);
        assertThat(web.ok(web.send("GET", ConversationsModule.PATH + "/" + id, web.aliceKey, null), 200).get("messages")).isEmpty();

        HttpResponse<String> streamed = post(reply, "application/json", ask, alice[0], alice[1]);
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.body().lines().reduce((a, b) -> b).orElseThrow()).contains("\"done\":true");
        JsonNode messages = web.ok(web.send("GET", ConversationsModule.PATH + "/" + id, web.aliceKey, null), 200).get("messages");
        assertThat(messages).hasSize(2);

        String boundary = "b0undary";
        byte[] form = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--"
                + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        String multipart = "multipart/form-data; boundary=" + boundary;
        assertThat(post(FilesModule.PATH, multipart, form, alice[0], null).statusCode()).isEqualTo(403);
        assertThat(Files.exists(home.resolve("workspaces/alice/a.txt"))).isFalse();
        HttpResponse<String> uploaded = post(FilesModule.PATH, multipart, form, alice[0], alice[1]);
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        assertThat(home.resolve("workspaces/alice/a.txt")).hasContent("hello");
        assertThat(uploaded.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
    }
}
