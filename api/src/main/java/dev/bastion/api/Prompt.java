package dev.bastion.api;

import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;

import java.util.List;

/** A conversation rendered with a template, or raw text given to the model as is. */
public sealed interface Prompt {

    /** The text the model sees; rendered once the model is loaded (its own chat template may be needed). */
    String render(ModelRuntime runtime);

    record Chat(ChatPrompt template, List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }

        @Override
        public String render(ModelRuntime runtime) {
            return template.render(runtime::renderChat, messages);
        }
    }

    record Raw(String text) implements Prompt {
        @Override
        public String render(ModelRuntime runtime) {
            return text;
        }
    }
}
