package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calling through the real server, template (Qwen2.5's) and parser (Hermes), with scripted replies: the client's
 * own tools (Ollama and OpenAI shapes, streamed and whole) and server-side tools run through a {@link ToolGateway}
 * as the caller.
 */
class ToolCallingTest {

    private static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}";
    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    /** A Modelfile TEMPLATE with tools, as Ollama's tool-calling templates are written (ranging over .Messages). */
    private static final String GO_TEMPLATE = "{{- if .Tools }}[TOOLS]{{ range .Tools }}{{ .Function.Name }};{{ end }}[/TOOLS]{{ end }}"
            + "{{- range .Messages }}<{{ .Role }}>{{ if .ToolCalls }}{{ range .ToolCalls }}<tool_call>{{ .Function.Name }}"
            + " {{ .Function.Arguments }}</tool_call>{{ end }}{{ else }}{{ .Content }}{{ end }}{{ end }}<assistant>";

    @TempDir
    Path home;
    @TempDir
    Path source;

    private final ScriptedToolModel model = new ScriptedToolModel();
    private final FakeGateway gateway = new FakeGateway();
    private BastionServer server;
    private TestHttp http;
    /** What a module running chats through {@link Chats} heard: the summaries, and the pieces before them. */
    private final List<ChatSummary> summaries = new CopyOnWriteArrayList<>();
    private final List<dev.bastion.api.types.ChatResponse> pieces = new CopyOnWriteArrayList<>();
    private String key;

    /** Offers files__read and shell__run; records each call with its caller. */
    static final class FakeGateway implements ToolGateway {
        record Call(String user, String name, JsonNode arguments) {}

        final List<Call> calls = new CopyOnWriteArrayList<>();
        /** Whether a call of path "slow" saw its cancellation (it waits up to 10 s for it). */
        final java.util.concurrent.CompletableFuture<Boolean> slowCancelled = new java.util.concurrent.CompletableFuture<>();

        @Override
        public List<ToolDescriptor> toolsFor(Caller caller) {
            JsonNode schema = JsonFields.MAPPER.createObjectNode().put("type", "object");
            return List.of(new ToolDescriptor("files__read", "Reads a file of your workspace", schema),
                    new ToolDescriptor("shell__run", "Runs an allowed command", schema));
        }

        @Override
        public ToolOutcome call(Caller caller, String name, JsonNode arguments, CancellationToken cancel) {
            calls.add(new Call(caller.principal(), name, arguments));
            if (arguments.path("path").asText().contains("..")) return ToolOutcome.error("path escapes the workspace");
            if (arguments.path("path").asText().equals("slow")) {
                long end = System.nanoTime() + 10_000_000_000L;
                while (!cancel.isCancelled() && System.nanoTime() < end) Thread.onSpinWait();
                slowCancelled.complete(cancel.isCancelled());
                return ToolOutcome.error("cancelled");
            }
            return ToolOutcome.ok("contents of " + arguments.path("path").asText());
        }
    }

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(ScriptedToolModel.write(source.resolve("m")), ModelName.parse("tiny"), null);
        store.create(ModelName.parse("go-tools"), dev.bastion.store.Modelfile.parse("FROM tiny\nTEMPLATE \"\"\"" + GO_TEMPLATE + "\"\"\"\n"), null, null);
        store.create(ModelName.parse("legacy"), dev.bastion.store.Modelfile.parse("FROM tiny\nTEMPLATE \"{{ .Prompt }}\"\n"), null, null);
        SecurityServices services = SecurityServices.open(home, Map.of());
        services.users().create("alice", Role.USER);
        key = services.keys().create("alice", Set.of(Scope.MODELS_USE), null, "t").secret();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))).withModule(new ServerModule() {
            private Chats chats;

            @Override
            public void bind(ServerServices services) {
                chats = services.chats();
            }

            @Override
            public void register(io.javalin.config.JavalinConfig c) {
                c.routes.post("/test/chats", ctx -> chats.respond(ctx, JsonFields.read(JsonFields.parse(ctx.bodyAsBytes()),
                        dev.bastion.api.types.ChatRequest.class), new ChatListener() {
                    @Override
                    public void chunk(dev.bastion.api.types.ChatResponse piece) {
                        pieces.add(piece);
                    }

                    @Override
                    public void finished(ChatSummary summary) {
                        summaries.add(summary);
                    }
                }), Access.MODELS_USE);
            }

            @Override
            public Optional<ToolGateway> toolGateway() {
                return Optional.of(gateway);
            }
        });
        server = new BastionServer(config, new StoreCatalog(store), model.loader()).start();
        http = new TestHttp(server.baseUrl(), "Authorization", "Bearer " + key);
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private static String chat(boolean stream, String tools, String messages) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"tools\":" + tools + ",\"messages\":" + messages + "}";
    }

    private static final String ASK = "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]";

    @Test
    void ollamaChatReturnsTheModelsToolCalls() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/api/chat", chat(false, "[" + WEATHER + "]", ASK));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode message = r.json().get("message");
        assertThat(message.get("content").asText()).isEmpty();
        JsonNode call = message.get("tool_calls").get(0);
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        assertThat(call.get("function").get("arguments")).isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));
        assertThat(call.get("function").get("index").asInt()).isZero();
        assertThat(call.get("id").asText()).matches("[A-Za-z0-9]{9}");
        assertThat(model.prompts.getFirst()).as("the tools went through Qwen2.5's template")
                .contains("# Tools").contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"");
    }

    @Test
    void ollamaStreamGivesTextAtOnceAndTheCallWhenComplete() throws Exception {
        model.replies.add("Let me check.\n" + CALL);
        var r = http.post("/api/chat", chat(true, "[" + WEATHER + "]", ASK));
        List<JsonNode> lines = r.ndjson();
        StringBuilder text = new StringBuilder();
        List<JsonNode> calls = new java.util.ArrayList<>();
        for (JsonNode line : lines) {
            text.append(line.get("message").get("content").asText());
            if (line.get("message").has("tool_calls")) calls.add(line.get("message").get("tool_calls").get(0));
        }
        assertThat(text.toString()).isEqualTo("Let me check.\n");
        assertThat(calls).singleElement().satisfies(c -> assertThat(c.get("function").get("name").asText()).isEqualTo("get_weather"));
        assertThat(lines.getLast().get("done").asBoolean()).isTrue();
        assertThat(lines.getLast().get("message").has("tool_calls")).isFalse();
    }

    @Test
    void toolResultsInTheHistoryReachTheTemplate() throws Exception {
        model.replies.add("It is sunny.");
        String messages = "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]},"
                + "{\"role\":\"tool\",\"content\":\"sunny, 21 C\",\"tool_name\":\"get_weather\"}]";
        var r = http.post("/api/chat", chat(false, "[" + WEATHER + "]", messages));
        assertThat(r.json().get("message").get("content").asText()).isEqualTo("It is sunny.");
        assertThat(model.prompts.getFirst())
                .contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>")
                .contains("<|im_start|>user\n<tool_response>\nsunny, 21 C\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void aModelfileTemplateOverMessagesTakesToolsAndNamesTheFormat() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/api/chat", "{\"model\":\"go-tools\",\"stream\":false,\"tools\":[" + WEATHER + "],\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                + "[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Rome\"}}}]},{\"role\":\"tool\",\"content\":\"rain\"},"
                + "{\"role\":\"user\",\"content\":\"And Paris?\"}]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(model.prompts.getFirst()).isEqualTo("[TOOLS]get_weather;[/TOOLS]<user>Weather?<assistant>"
                + "<tool_call>get_weather {\"city\":\"Rome\"}</tool_call><tool>rain<user>And Paris?<assistant>");
        assertThat(r.json().get("message").get("tool_calls").get(0).get("function").get("name").asText()).isEqualTo("get_weather");
    }

    @Test
    void aLegacyTemplateCannotTakeTools() throws Exception {
        var r = http.post("/api/chat", "{\"model\":\"legacy\",\"stream\":false,\"tools\":[" + WEATHER + "],\"messages\":" + ASK + "}");
        assertThat(r.status()).isBetween(400, 499);
        assertThat(r.json().get("error").asText()).contains("the model's TEMPLATE cannot be used").contains("no place for tools");
        assertThat(model.prompts).isEmpty();
    }

    @Test
    void unparseableCallsAreContent() throws Exception {
        String broken = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \n</tool_call>";
        model.replies.add(broken);
        var r = http.post("/api/chat", chat(false, "[" + WEATHER + "]", ASK));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").get("content").asText()).isEqualTo(broken);
        assertThat(r.json().get("message").has("tool_calls")).isFalse();
    }

    @Test
    void withoutToolsTheReplyIsNotParsed() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/api/chat", "{\"model\":\"tiny\",\"stream\":false,\"messages\":" + ASK + "}");
        assertThat(r.json().get("message").get("content").asText()).isEqualTo(CALL);
    }

    @Test
    void openAiChatCompletionWithToolCalls() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"tools\":[" + WEATHER + "],\"messages\":" + ASK + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode choice = r.json().get("choices").get(0);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.get("message").get("content").isNull()).isTrue();
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.get("id").asText()).isNotEmpty();
        assertThat(call.has("index")).isFalse();
        assertThat(JsonFields.MAPPER.readTree(call.get("function").get("arguments").asText()))
                .isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));
    }

    @Test
    void openAiStreamsToolCallDeltasAndFinishesWithToolCalls() throws Exception {
        model.replies.add(CALL + "\n" + CALL.replace("Paris", "Rome"));
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"stream\":true,\"tools\":[" + WEATHER + "],\"messages\":" + ASK + "}");
        List<JsonNode> chunks = sse(r.body());
        List<JsonNode> calls = chunks.stream().filter(c -> !c.get("choices").isEmpty())
                .map(c -> c.get("choices").get(0).get("delta")).filter(d -> d.has("tool_calls"))
                .map(d -> d.get("tool_calls").get(0)).toList();
        assertThat(calls).extracting(c -> c.get("index").asInt()).containsExactly(0, 1);
        assertThat(calls).extracting(c -> c.get("function").get("arguments").asText())
                .containsExactly("{\"city\":\"Paris\"}", "{\"city\":\"Rome\"}");
        assertThat(calls.getFirst().get("id").asText()).isNotEqualTo(calls.getLast().get("id").asText());
        assertThat(chunks.getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void openAiToolMessagesAnswerCallsById() throws Exception {
        model.replies.add("Sunny.");
        String messages = "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}]";
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"tools\":[" + WEATHER + "],\"messages\":" + messages + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertThat(model.prompts.getFirst()).contains("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}")
                .contains("<tool_response>\nsunny\n</tool_response>");
    }

    @Test
    void serverSideToolsRunAsTheCallerAndTheModelGoesOn() throws Exception {
        model.replies.add("<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"notes.txt\"}}</tool_call>");
        model.replies.add("The notes say hello.");
        var r = http.post("/api/chat", chat(true, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__*\"]}}]", ASK));
        List<JsonNode> messages = r.ndjson().stream().map(l -> l.get("message")).toList();
        assertThat(gateway.calls).singleElement().satisfies(c -> {
            assertThat(c.user()).isEqualTo("alice");
            assertThat(c.name()).isEqualTo("files__read");
            assertThat(c.arguments().get("path").asText()).isEqualTo("notes.txt");
        });
        assertThat(messages).anySatisfy(m -> assertThat(m.path("tool_calls").path(0).path("function").path("name").asText()).isEqualTo("files__read"));
        assertThat(messages).anySatisfy(m -> {
            assertThat(m.get("role").asText()).isEqualTo("tool");
            assertThat(m.get("tool_name").asText()).isEqualTo("files__read");
            assertThat(m.get("content").asText()).isEqualTo("contents of notes.txt");
        });
        assertThat(messages.stream().filter(m -> m.get("role").asText().equals("assistant")).map(m -> m.get("content").asText())
                .reduce("", String::concat)).isEqualTo("The notes say hello.");
        assertThat(model.prompts.getFirst()).as("only the tools the patterns name are offered")
                .contains("\"name\": \"files__read\"").doesNotContain("shell__run");
        assertThat(model.prompts.get(1)).contains("<tool_response>\ncontents of notes.txt\n</tool_response>");
    }

    @Test
    void aModuleRunningAChatHearsEachPieceAndASummaryWithTheToolCallsAndResults() throws Exception {
        model.replies.add("Reading.<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"notes.txt\"}}</tool_call>");
        model.replies.add("The notes say hello.");
        var r = http.post("/test/chats", chat(true, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__*\"]}}]", ASK));
        List<JsonNode> lines = r.ndjson();
        assertThat(lines.getLast().get("done").asBoolean()).isTrue();
        assertThat(pieces).hasSize(lines.size() - 1);
        ChatSummary summary = summaries.getFirst();
        assertThat(summaries).hasSize(1);
        assertThat(summary.content()).isEqualTo("Reading.The notes say hello.");
        assertThat(summary.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.function().name()).isEqualTo("files__read");
            assertThat(c.function().arguments().get("path").asText()).isEqualTo("notes.txt");
        });
        assertThat(summary.toolResults()).singleElement().satisfies(m -> {
            assertThat(m.role()).isEqualTo("tool");
            assertThat(m.content()).isEqualTo("contents of notes.txt");
        });
        assertThat(summary.doneReason()).isEqualTo(lines.getLast().get("done_reason").asText());
        assertThat(summary.metrics().evalCount()).isEqualTo(lines.getLast().get("eval_count").asInt());
        assertThat(summary.error()).isNull();

        // refused before anything ran: the module hears nothing and the client gets /api/chat's error
        var refused = http.post("/test/chats", "{\"model\":\"missing\",\"messages\":" + ASK + "}");
        assertThat(refused.status()).isEqualTo(404);
        assertThat(summaries).hasSize(1);
    }

    @Test
    void openAiStreamsServerSideStepsAndFinishesWithTheAnswer() throws Exception {
        model.replies.add("<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"notes.txt\"}}</tool_call>");
        model.replies.add("Hello.");
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"stream\":true,"
                + "\"tools\":[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__read\"]}}],\"messages\":" + ASK + "}");
        List<JsonNode> deltas = sse(r.body()).stream().filter(c -> !c.get("choices").isEmpty())
                .map(c -> c.get("choices").get(0).get("delta")).toList();
        JsonNode call = deltas.stream().filter(d -> d.has("tool_calls")).findFirst().orElseThrow().get("tool_calls").get(0);
        JsonNode result = deltas.stream().filter(d -> "tool".equals(d.path("role").asText())).findFirst().orElseThrow();
        assertThat(result.get("tool_call_id").asText()).isEqualTo(call.get("id").asText());
        assertThat(result.get("content").asText()).isEqualTo("contents of notes.txt");
        List<JsonNode> chunks = sse(r.body());
        assertThat(chunks.getLast().get("choices").get(0).get("finish_reason").asText()).as("the last step only answered").isEqualTo("stop");
    }

    @Test
    void aToolErrorIsFedBackToTheModel() throws Exception {
        model.replies.add("<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"../etc/passwd\"}}</tool_call>");
        model.replies.add("I may not read that.");
        var r = http.post("/api/chat", chat(false, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__read\"]}}]", ASK));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").get("content").asText()).isEqualTo("I may not read that.");
        assertThat(model.prompts.get(1)).contains("<tool_response>\nerror: path escapes the workspace\n</tool_response>");
    }

    @Test
    void theLoopStopsAtItsStepBoundAndGivesTheCallsToTheClient() throws Exception {
        String read = "<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"a\"}}</tool_call>";
        for (int i = 0; i < 5; i++) model.replies.add(read);
        var r = http.post("/api/chat", chat(false, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__*\"],\"max_steps\":2}}]", ASK));
        assertThat(gateway.calls).hasSize(1);
        assertThat(model.prompts).hasSize(2);
        assertThat(r.json().get("message").get("tool_calls").get(0).get("function").get("name").asText()).isEqualTo("files__read");
    }

    @Test
    void aCallOfAToolTheServerDoesNotRunGoesToTheClient() throws Exception {
        model.replies.add("<tool_call>{\"name\": \"shell__run\", \"arguments\": {}}</tool_call>");
        var r = http.post("/api/chat", chat(false, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__*\"]}}]", ASK));
        assertThat(gateway.calls).as("shell__run was not opted into").isEmpty();
        assertThat(r.json().get("message").get("tool_calls").get(0).get("function").get("name").asText()).isEqualTo("shell__run");
    }

    @Test
    void aClientThatGoesAwayStopsTheLoop() throws Exception {
        model.replies.add("<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"slow\"}}</tool_call>");
        model.replies.add("never generated");
        java.net.URI base = java.net.URI.create(server.baseUrl());
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            byte[] json = chat(true, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__*\"]}}]", ASK).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var out = socket.getOutputStream();
            out.write(("POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(json);
            out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.contains("tool_calls")) break;
            }
        }
        assertThat(gateway.slowCancelled.get(15, java.util.concurrent.TimeUnit.SECONDS)).as("the running tool saw the cancellation").isTrue();
        Thread.sleep(300);
        assertThat(model.prompts).as("no step after the client left").hasSize(1);
        assertThat(model.replies).containsExactly("never generated");
    }

    @Test
    void nameTricksDoNotReachTheGateway() throws Exception {
        for (String name : List.of("FILES__read", "files__read ", "files__Read", "files_read", "files__read\\u0000")) {
            model.replies.add("<tool_call>{\"name\": \"" + name + "\", \"arguments\": {}}</tool_call>");
            var r = http.post("/api/chat", chat(false, "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"files__read\"]}}]", ASK));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("message").get("tool_calls").get(0).get("function").get("name").asText())
                    .as("an inexact name is the client's call, not run").isNotEqualTo("files__read");
        }
        assertThat(gateway.calls).isEmpty();
    }

    @Test
    void malformedToolsAreRefused() throws Exception {
        for (String tools : List.of("{}", "[{\"type\":\"function\",\"function\":{}}]", "[{\"type\":\"magic\"}]",
                "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[]}}]", "[{\"type\":\"mcp\",\"mcp\":{\"tools\":[\"*\"],\"max_steps\":1000}}]")) {
            var r = http.post("/api/chat", chat(false, tools, ASK));
            assertThat(r.status()).as(tools + ": " + r.body()).isEqualTo(400);
        }
        var badArgs = http.post("/api/chat", chat(false, "[" + WEATHER + "]",
                "[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":[1]}}]}]"));
        assertThat(badArgs.status()).isEqualTo(400);
        assertThat(model.prompts).isEmpty();
    }

    private static List<JsonNode> sse(String body) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) out.add(JsonFields.MAPPER.readTree(line.substring(6)));
        }
        return out;
    }
}
