package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.GoPromptTemplate;
import dev.bastion.engine.template.RenderBudget;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.template.TemplateBudgetExceededException;

import java.util.List;

/**
 * How a conversation becomes the prompt, for every endpoint and {@code bastion run}: a request's Go {@code template}
 * wins, then the stored model's Modelfile TEMPLATE, then the model's own (Hugging Face, Jinja) chat template.
 */
public final class ChatPrompt {

    private static final ChatPrompt MODEL_CHAT_TEMPLATE = new ChatPrompt(null, "the model's chat template", "model");

    /** Null: the model's chat template. */
    private final GoPromptTemplate template;
    /** The template as errors name it, and the request field at fault. */
    private final String what;
    private final String field;

    private ChatPrompt(GoPromptTemplate template, String what, String field) {
        this.template = template;
        this.what = what;
        this.field = field;
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
            return new ChatPrompt(GoPromptTemplate.parse(template), what, field);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(what + " cannot be used: " + e.getMessage(), field);
        }
    }

    /** The prompt that makes the model reply to {@code messages}, within the default render limits. */
    public String render(ModelRuntime runtime, List<ChatMessage> messages) {
        return render(runtime, messages, RenderLimits.DEFAULT, new CancellationToken());
    }

    /**
     * The prompt that makes the model reply to {@code messages}, rendered within {@code limits} and stopped by
     * {@code cancel}.
     *
     * @throws ApiException 422 when the template exceeds its render budget (naming the limit, not the template)
     * @throws java.util.concurrent.CancellationException when cancelled while rendering
     */
    public String render(ModelRuntime runtime, List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
        try {
            if (template == null) return runtime.renderChat(messages, limits, cancel);
            return template.render(messages, RenderBudget.start(limits, runtime.config().maxPositionEmbeddings(), cancel::isCancelled));
        } catch (TemplateBudgetExceededException e) {
            throw new ApiException(422, what + " exceeded its render budget (" + e.limit() + ")", field);
        }
    }
}
