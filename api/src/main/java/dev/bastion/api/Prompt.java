package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.util.ArrayList;
import java.util.List;

/** A conversation rendered with a template, or raw text given to the model as is. */
public sealed interface Prompt {

    /**
     * The text the model sees; rendered once the model is loaded (its own chat template may be needed), within the
     * server's template render limits and stopped by the request's cancellation.
     */
    String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel);

    /** The tools offered to the model, in OpenAI's function shape; none for a plain prompt. */
    default List<JsonNode> tools() {
        return List.of();
    }

    /** How the model writes the calls of the tools offered. */
    default ToolCallFormat toolCallFormat(ModelRuntime runtime) {
        return ToolCallFormat.ANY;
    }

    /** @param tools offered to the model through its chat template */
    record Chat(ChatPrompt template, List<ChatMessage> messages, List<JsonNode> tools) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            tools = List.copyOf(tools);
        }

        public Chat(ChatPrompt template, List<ChatMessage> messages) {
            this(template, messages, List.of());
        }

        @Override
        public String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel) {
            return template.render(runtime, messages, tools, limits, cancel);
        }

        @Override
        public ToolCallFormat toolCallFormat(ModelRuntime runtime) {
            return template.toolCallFormat(runtime);
        }

        /** The same conversation with {@code more} messages after it (a tool step's calls and results). */
        public Chat continued(List<ChatMessage> more) {
            List<ChatMessage> all = new ArrayList<>(messages);
            all.addAll(more);
            return new Chat(template, all, tools);
        }
    }

    record Raw(String text) implements Prompt {
        @Override
        public String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel) {
            return text;
        }
    }
}
