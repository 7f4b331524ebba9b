package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.SchedulerConfig;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runaway prompt templates through the real server: a model whose Jinja chat template (tokenizer_config.json) or Go
 * TEMPLATE would render for hours answers a clear 422 within its render budget, in each API's error shape, without
 * revealing the template; a client that goes away mid-render frees the model's only generation slot at once.
 */
class HostileTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Three nested range(3000) loops (Jinjava caps a range at 1000: 10^9 iterations) that print nothing. */
    private static final String RUNAWAY = "{% for a in range(3000) %}{% for b in range(3000) %}{% for c in range(3000) %}"
            + "{% if c < 0 %}{{ c }}{% endif %}{% endfor %}{% endfor %}{% endfor %}";
    private static final String RAW = "\"raw\":true,\"stream\":false,\"options\":{\"num_predict\":2}";

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    /** Template budget of 500 ms, so the tests are quick. */
    private static BastionServer budgeted;
    /** Template budget of ten minutes: only cancellation can free its slot in time. */
    private static BastionServer patient;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        Path dir = TinyModelFixture.tinyModel(source.resolve("runaway"), Architecture.LLAMA);
        Path config = dir.resolve("tokenizer_config.json");
        ObjectNode tokenizerConfig = (ObjectNode) JSON.readTree(config.toFile());
        tokenizerConfig.put("chat_template", RUNAWAY);
        JSON.writeValue(config.toFile(), tokenizerConfig);
        store.create(ModelName.parse("runaway"), Modelfile.parse("FROM ./runaway\n"), null, source);
        // .Prompt 15000 times: a 100-character prompt makes 1.5 million characters.
        store.create(ModelName.parse("echo"), Modelfile.parse("FROM runaway\nTEMPLATE \"\"\"" + "{{ .Prompt }}".repeat(15_000) + "\"\"\"\n"), null, null);
        budgeted = server(store, Duration.ofMillis(500));
        patient = server(store, Duration.ofMinutes(10));
    }

    private static BastionServer server(ModelStore store, Duration templateTime) {
        SchedulerConfig scheduler = SchedulerConfig.defaults().withTemplateLimits(new RenderLimits(templateTime, Long.MAX_VALUE, 32));
        return new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withScheduler(scheduler),
                new StoreCatalog(store), LocalModelRuntime::load).start();
    }

    @AfterAll
    static void stop() {
        if (budgeted != null) budgeted.close();
        if (patient != null) patient.close();
    }

    private HttpResponse<String> post(BastionServer server, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRunawayChatTemplateAnswers422InTheOllamaShape() throws Exception {
        for (String stream : new String[] {"false", "true"}) {
            long start = System.nanoTime();
            HttpResponse<String> r = post(budgeted, "/api/chat", "{\"model\":\"runaway\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
            assertThat(JSON.readTree(r.body()).path("error").asText())
                    .isEqualTo("the model's chat template exceeded its render budget (500 ms of time)");
            assertThat(r.body()).doesNotContain("range").doesNotContain("for ");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
        HttpResponse<String> generate = post(budgeted, "/api/generate", "{\"model\":\"runaway\",\"prompt\":\"hi\",\"stream\":false}");
        assertThat(generate.statusCode()).as(generate.body()).isEqualTo(422);
    }

    @Test
    void aRunawayChatTemplateAnswers422InTheOpenAiShape() throws Exception {
        HttpResponse<String> r = post(budgeted, "/v1/chat/completions", "{\"model\":\"runaway\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("message").asText()).isEqualTo("the model's chat template exceeded its render budget (500 ms of time)");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo("model");
    }

    @Test
    void aGoTemplateThatMultipliesThePromptStopsAtTheOutputCap() throws Exception {
        String prompt = "p".repeat(100);
        HttpResponse<String> model = post(budgeted, "/api/generate", "{\"model\":\"echo\",\"prompt\":\"" + prompt + "\",\"stream\":false}");
        assertThat(model.statusCode()).as(model.body()).isEqualTo(422);
        assertThat(JSON.readTree(model.body()).path("error").asText())
                .isEqualTo("the model's TEMPLATE exceeded its render budget (" + RenderLimits.MIN_OUTPUT_CHARS + " characters of output)");
        String template = "{{ .Prompt }}".repeat(15_000);
        HttpResponse<String> request = post(budgeted, "/api/generate", "{\"model\":\"runaway\",\"prompt\":\"" + prompt
                + "\",\"template\":\"" + template + "\",\"stream\":false}");
        assertThat(request.statusCode()).as(request.body()).isEqualTo(422);
        assertThat(JSON.readTree(request.body()).path("error").asText()).startsWith("'template' exceeded its render budget");
    }

    @Test
    void hugeOrNestedTemplatesAreRefusedAtCreate() throws Exception {
        String huge = "{{ .Prompt }}".repeat(RenderLimits.MAX_SOURCE_CHARS / 10);
        HttpResponse<String> r = post(budgeted, "/api/create", "{\"model\":\"huge\",\"from\":\"runaway\",\"template\":\"" + huge + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("longer than " + RenderLimits.MAX_SOURCE_CHARS + " characters");
    }

    @Test
    void theSlotIsFreeAfterARunawayRender() throws Exception {
        assertThat(post(budgeted, "/api/chat", "{\"model\":\"runaway\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .statusCode()).isEqualTo(422);
        long start = System.nanoTime();
        HttpResponse<String> raw = post(budgeted, "/api/generate", "{\"model\":\"runaway\",\"prompt\":\"hi\"," + RAW + "}");
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aClientGoneMidRenderFreesTheSlotPromptly() throws Exception {
        for (String stream : new String[] {"false", "true"}) {
            String body = "{\"model\":\"runaway\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            try (Socket socket = new Socket("127.0.0.1", patient.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                socket.setSoTimeout(700);
                InputStream in = socket.getInputStream();
                // Still rendering: nothing comes back before the client gives up.
                assertThat(readsNothing(in)).as("stream=" + stream).isTrue();
            }
            long start = System.nanoTime();
            HttpResponse<String> next = post(patient, "/api/generate", "{\"model\":\"runaway\",\"prompt\":\"hi\"," + RAW + "}");
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stream=" + stream).isLessThan(Duration.ofSeconds(5));
        }
    }

    private static boolean readsNothing(InputStream in) throws Exception {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }
}
