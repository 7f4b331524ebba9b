package dev.bastion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.Caller;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.toolcall.ToolCallFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bastion run MODEL --tools files}: a tiny Qwen2 model with Qwen2.5's real template whose replies are recorded
 * tool calls, and a fake gateway standing in for the MCP gateway.
 */
class RunToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static Path modelDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Deque<String> replies = new ArrayDeque<>();
    private final List<String> prompts = new ArrayList<>();
    private final List<String> called = new ArrayList<>();
    private final Caller caller = new Caller("alice", null);

    @BeforeAll
    static void generateModel() throws IOException {
        modelDir = TinyModelFixture.tinyModel(tmp.resolve("qwen"), Architecture.QWEN2);
        try (InputStream in = RunToolsTest.class.getResourceAsStream("/templates/qwen2.5-instruct.jinja")) {
            Path config = modelDir.resolve("tokenizer_config.json");
            ObjectNode json = (ObjectNode) JSON.readTree(Files.readString(config));
            json.put("chat_template", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            Files.writeString(config, json.toPrettyString());
        }
    }

    private final ToolGateway gateway = new ToolGateway() {
        @Override
        public List<ToolDescriptor> toolsFor(Caller c) {
            JsonNode schema = JSON.createObjectNode().put("type", "object");
            return List.of(new ToolDescriptor("files__read", "Reads a file", schema), new ToolDescriptor("shell__run", "Runs", schema));
        }

        @Override
        public ToolOutcome call(Caller c, String name, JsonNode arguments, CancellationToken cancel) {
            called.add(c.principal() + ":" + name + arguments);
            return arguments.path("path").asText().equals("secret") ? ToolOutcome.error("denied by policy") : ToolOutcome.ok("hello from notes");
        }
    };

    /** The real runtime for templates and tokens; generation replays {@link #replies}. */
    private final class Scripted implements ModelRuntime {
        private final ModelRuntime real;

        Scripted(ModelRuntime real) {
            this.real = real;
        }

        @Override
        public ModelConfig config() {
            return real.config();
        }

        @Override
        public String renderChat(List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
            return real.renderChat(messages, limits, cancel);
        }

        @Override
        public String renderChat(List<ChatMessage> messages, List<JsonNode> tools, RenderLimits limits, CancellationToken cancel) {
            return real.renderChat(messages, tools, limits, cancel);
        }

        @Override
        public ToolCallFormat toolCallFormat() {
            return real.toolCallFormat();
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
            prompts.add(prompt);
            String reply = replies.isEmpty() ? "(nothing scripted)" : replies.removeFirst();
            for (int i = 0; i < reply.length(); i += 4) sink.accept(reply.substring(i, Math.min(reply.length(), i + 4)));
            return new GenerationResult(reply, DoneReason.STOP, 1, 1, 1, 1);
        }

        @Override
        public int countTokens(String text) {
            return real.countTokens(text);
        }

        @Override
        public float[] embed(String text) {
            return real.embed(text);
        }

        @Override
        public void close() {
            real.close();
        }
    }

    private int execute(String stdin, ToolGatewayFactory factory, String... args) {
        RunCommand command = new RunCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), factory,
                (dir, format) -> new Scripted(LocalModelRuntime.load(dir, format)));
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private ToolGatewayFactory fake() {
        return home -> Optional.of(new ToolGatewayFactory.Session(gateway, caller, null));
    }

    @Test
    void theModelCallsAToolAndAnswersWithItsResult() {
        replies.add("Reading.\n<tool_call>\n{\"name\": \"files__read\", \"arguments\": {\"path\": \"notes.txt\"}}\n</tool_call>");
        replies.add("Your notes say hello.");
        int code = execute("", fake(), modelDir.toString(), "What do my notes say?", "--tools", "files");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("Reading.\n[tool call] files__read {\"path\":\"notes.txt\"}\n"
                + "[tool result] hello from notes\nYour notes say hello.\n");
        assertThat(called).containsExactly("alice:files__read{\"path\":\"notes.txt\"}");
        assertThat(prompts.getFirst()).as("only the namespaces asked for").contains("\"name\": \"files__read\"").doesNotContain("shell__run");
        assertThat(prompts.get(1)).contains("<tool_response>\nhello from notes\n</tool_response>");
    }

    @Test
    void aRefusalIsShownAndGivenToTheModel() {
        replies.add("<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"secret\"}}</tool_call>");
        replies.add("I may not.");
        assertThat(execute("", fake(), modelDir.toString(), "Read secret", "--tools", "files")).isZero();
        assertThat(out.toString()).contains("[tool result] error: denied by policy\nI may not.\n");
        assertThat(prompts.get(1)).contains("error: denied by policy");
    }

    @Test
    void theChatKeepsToolTurnsInItsHistoryAndStopsAtTheStepBound() {
        String call = "<tool_call>{\"name\": \"files__read\", \"arguments\": {\"path\": \"a\"}}</tool_call>";
        replies.add(call);
        replies.add(call);
        replies.add(call);
        replies.add("Second answer.");
        int code = execute("first\nsecond\n/bye\n", fake(), modelDir.toString(), "--tools", "files", "--max-tool-steps", "2");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("stopped after 2 tool steps");
        assertThat(called).hasSize(3);
        assertThat(prompts.getLast()).as("the second message sees the first one's tool turns")
                .contains("<|im_start|>user\nfirst<|im_end|>").contains("<tool_response>\nhello from notes\n</tool_response>")
                .contains("<|im_start|>user\nsecond<|im_end|>");
    }

    @Test
    void withoutAGatewayOrMatchingToolsItSaysSo() {
        assertThat(execute("", home -> Optional.empty(), modelDir.toString(), "hi", "--tools", "files")).isEqualTo(1);
        assertThat(err.toString()).contains("no tool gateway is available");
        assertThat(execute("", fake(), modelDir.toString(), "hi", "--tools", "docker")).isEqualTo(1);
        assertThat(err.toString()).contains("no tools you may call in docker");
        assertThat(execute("", fake(), modelDir.toString(), "hi", "--tools", "files", "--raw")).isEqualTo(1);
        assertThat(prompts).isEmpty();
    }
}
