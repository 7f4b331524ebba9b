package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.engine.template.RenderLimits;

import java.util.List;

/** A conversation rendered with a template, or raw text given to the model as is. */
public sealed interface Prompt {

    /**
     * The text the model sees; rendered once the model is loaded (its own chat template may be needed), within the
     * server's template render limits and stopped by the request's cancellation.
     */
    String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel);

    record Chat(ChatPrompt template, List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }

        @Override
        public String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel) {
            return template.render(runtime, messages, limits, cancel);
        }
    }

    record Raw(String text) implements Prompt {
        @Override
        public String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel) {
            return text;
        }
    }
}
