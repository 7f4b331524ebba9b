package dev.bastion.api;

import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.GoPromptTemplate;

import java.util.List;

/**
 * How a conversation becomes the prompt, for every endpoint and {@code bastion run}: a request's Go {@code template}
 * wins, then the stored model's Modelfile TEMPLATE, then the model's own (Hugging Face, Jinja) chat template.
 */
public final class ChatPrompt {

    private static final ChatPrompt MODEL_CHAT_TEMPLATE = new ChatPrompt(null);

    /** Null: the model's chat template. */
    private final GoPromptTemplate template;

    private ChatPrompt(GoPromptTemplate template) {
        this.template = template;
    }

    /**
     * @param requestTemplate a request's {@code template}; null or empty when none
     * @param modelTemplate the stored model's TEMPLATE; null or empty when none
     * @throws ApiException 400 naming the template at fault and the construct it cannot render
     */
    public static ChatPrompt of(String requestTemplate, String modelTemplate) {
        if (requestTemplate != null && !requestTemplate.isEmpty()) return parse(requestTemplate, "'template'", "template");
        if (modelTemplate != null && !modelTemplate.isEmpty()) return parse(modelTemplate, "the model's TEMPLATE", "model");
        return MODEL_CHAT_TEMPLATE;
    }

    private static ChatPrompt parse(String template, String what, String field) {
        try {
            return new ChatPrompt(GoPromptTemplate.parse(template));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(what + " cannot be used: " + e.getMessage(), field);
        }
    }

    /** The prompt that makes the model reply to {@code messages}. */
    public String render(ModelRuntime runtime, List<ChatMessage> messages) {
        return template == null ? runtime.renderChat(messages) : template.render(messages);
    }
}
