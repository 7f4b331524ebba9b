package dev.bastion.engine.template;

import java.util.List;
import java.util.function.Function;

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
     * @throws PromptTemplateException naming the template at fault and the construct it cannot render
     */
    public static ChatPrompt of(String requestTemplate, String modelTemplate) {
        if (requestTemplate != null && !requestTemplate.isEmpty()) return parse(requestTemplate, PromptTemplateException.Source.REQUEST);
        if (modelTemplate != null && !modelTemplate.isEmpty()) return parse(modelTemplate, PromptTemplateException.Source.MODEL);
        return MODEL_CHAT_TEMPLATE;
    }

    private static ChatPrompt parse(String template, PromptTemplateException.Source source) {
        try {
            return new ChatPrompt(GoPromptTemplate.parse(template));
        } catch (IllegalArgumentException e) {
            throw new PromptTemplateException(source, e.getMessage());
        }
    }

    /**
     * The prompt that makes the model reply to {@code messages}.
     *
     * @param modelChatTemplate the model's own chat template, used when no Go template applies
     */
    public String render(Function<List<ChatMessage>, String> modelChatTemplate, List<ChatMessage> messages) {
        return template == null ? modelChatTemplate.apply(messages) : template.render(messages);
    }
}
