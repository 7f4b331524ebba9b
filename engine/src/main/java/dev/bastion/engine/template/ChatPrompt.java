package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.util.List;

/**
 * How a conversation becomes the prompt, for every endpoint and {@code bastion run}: a request's Go {@code template}
 * wins, then the stored model's Modelfile TEMPLATE, then the model's own (Hugging Face, Jinja) chat template.
 */
public final class ChatPrompt {

    private static final ChatPrompt MODEL_CHAT_TEMPLATE = new ChatPrompt(null, PromptTemplateException.Source.CHAT_TEMPLATE);

    /** Null: the model's chat template. */
    private final GoPromptTemplate template;
    /** Whose template this is, as errors name it. */
    private final PromptTemplateException.Source source;

    private ChatPrompt(GoPromptTemplate template, PromptTemplateException.Source source) {
        this.template = template;
        this.source = source;
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
            return new ChatPrompt(GoPromptTemplate.parse(template), source);
        } catch (IllegalArgumentException e) {
            throw PromptTemplateException.unusable(source, e.getMessage());
        }
    }

    /** How the model writes the tool calls this prompt offers it. */
    public ToolCallFormat toolCallFormat(ModelRuntime runtime) {
        if (template == null) return runtime.toolCallFormat();
        ToolCallFormat named = ToolCallFormat.detect(template.source(), t -> false);
        return named == ToolCallFormat.ANY ? runtime.toolCallFormat() : named;
    }

    /** The prompt that makes the model reply to {@code messages}, within the default render limits. */
    public String render(ModelRuntime runtime, List<ChatMessage> messages) {
        return render(runtime, messages, RenderLimits.DEFAULT, new CancellationToken());
    }

    /**
     * The prompt that makes the model reply to {@code messages}, rendered within {@code limits} and stopped by
     * {@code cancel}.
     *
     * @throws PromptTemplateException when the template exceeds its render budget (naming the limit, not the template)
     * @throws java.util.concurrent.CancellationException when cancelled while rendering
     */
    public String render(ModelRuntime runtime, List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
        return render(runtime, messages, List.of(), limits, cancel);
    }

    /**
     * Like {@link #render(ModelRuntime, List, RenderLimits, CancellationToken)}, offering the model {@code tools}
     * (OpenAI's function shape) through its chat template.
     *
     * @throws PromptTemplateException also when tools are given to a Go template (it has no place for them)
     */
    public String render(ModelRuntime runtime, List<ChatMessage> messages, List<JsonNode> tools, RenderLimits limits,
                         CancellationToken cancel) {
        if (template != null && !tools.isEmpty() && !template.takesTools()) {
            throw PromptTemplateException.unusable(source, "it has no place for tools (a TEMPLATE needs .Messages and .Tools)");
        }
        try {
            if (template == null) return runtime.renderChat(messages, tools, limits, cancel);
            return template.render(messages, tools, RenderBudget.start(limits, runtime.config().maxPositionEmbeddings(), cancel::isCancelled));
        } catch (TemplateBudgetExceededException e) {
            throw PromptTemplateException.overBudget(source, e.limit());
        }
    }
}
