package dev.bastion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCall;
import dev.bastion.engine.toolcall.ToolCallParser;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * One user turn of {@code bastion run --tools}: the model's reply streams to stdout; each tool call it makes is run
 * through the gateway as the session's caller, printed with its result, and the model goes on, up to a bound of steps.
 */
final class ToolChat {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ToolGatewayFactory.Session session;
    private final List<JsonNode> functions;
    private final int maxSteps;

    private ToolChat(ToolGatewayFactory.Session session, List<JsonNode> functions, int maxSteps) {
        this.session = session;
        this.functions = functions;
        this.maxSteps = maxSteps;
    }

    /**
     * @param namespaces the tool namespaces the model may use ({@code files}, {@code shell}, an upstream's name)
     * @throws IllegalArgumentException when none of the caller's tools is in them
     */
    static ToolChat of(ToolGatewayFactory.Session session, List<String> namespaces, int maxSteps) {
        List<JsonNode> functions = new ArrayList<>();
        for (ToolDescriptor t : session.gateway().toolsFor(session.caller())) {
            if (namespaces.stream().anyMatch(ns -> t.name().startsWith(ns + "__"))) functions.add(function(t));
        }
        if (functions.isEmpty()) throw new IllegalArgumentException("no tools you may call in " + String.join(", ", namespaces));
        return new ToolChat(session, List.copyOf(functions), maxSteps);
    }

    private static JsonNode function(ToolDescriptor t) {
        ObjectNode tool = JSON.createObjectNode().put("type", "function");
        ObjectNode f = tool.putObject("function").put("name", t.name());
        if (t.description() != null) f.put("description", t.description());
        f.set("parameters", t.inputSchema() == null ? JSON.createObjectNode().put("type", "object") : t.inputSchema());
        return tool;
    }

    /** Replies to the conversation, appending the model's turns and the tools' results to {@code history}. */
    void reply(ModelRuntime runtime, ChatPrompt prompt, List<ChatMessage> history, GenerationOptions options,
               CancellationToken cancel, PrintWriter out, PrintWriter err) {
        for (int step = 1; step <= maxSteps && !cancel.isCancelled(); step++) {
            ToolCallParser parser = new ToolCallParser(prompt.toolCallFormat(runtime));
            StringBuilder content = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            GenerationResult result = runtime.generate(prompt.render(runtime, history, functions, RenderLimits.DEFAULT, cancel),
                    options, piece -> parser.feed(piece).forEach(e -> take(e, content, calls, out)), cancel);
            parser.finish().forEach(e -> take(e, content, calls, out));
            if (!content.isEmpty() && content.charAt(content.length() - 1) != '\n') out.println();
            out.flush();
            RunCommand.printStats(err, result);
            if (calls.isEmpty()) {
                history.add(new ChatMessage("assistant", content.toString()));
                return;
            }
            history.add(ChatMessage.assistantCalls(content.toString(), calls));
            for (ToolCall call : calls) {
                out.println("[tool call] " + call.name() + " " + call.arguments());
                String text = run(call, cancel);
                out.println("[tool result] " + text);
                out.flush();
                history.add(ChatMessage.toolResult(call.name(), call.id(), text));
            }
        }
        if (!cancel.isCancelled()) err.println("bastion run: stopped after " + maxSteps + " tool steps");
        err.flush();
    }

    private static void take(ToolCallParser.Event event, StringBuilder content, List<ToolCall> calls, PrintWriter out) {
        switch (event) {
            case ToolCallParser.Text t -> {
                content.append(t.text());
                out.print(t.text());
                out.flush();
            }
            case ToolCallParser.Call c -> calls.add(c.call());
        }
    }

    private String run(ToolCall call, CancellationToken cancel) {
        try {
            ToolOutcome outcome = session.gateway().call(session.caller(), call.name(), call.arguments(), cancel);
            return outcome.isError() ? "error: " + outcome.text() : outcome.text();
        } catch (RuntimeException e) {
            return "error: the tool failed";
        }
    }
}
