package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.engine.template.PromptOptions;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.util.ArrayList;
import java.util.List;

/** A conversation rendered with a template, raw text given to the model as is, or a fill-in-the-middle request. */
public sealed interface Prompt {

    /**
     * The text the model sees; rendered once the model is loaded (its own chat template may be needed), within the
     * server's template render limits and stopped by the request's cancellation.
     *
     * @param model the model as the client named it, for errors
     * @param context the positions the generation has: a conversation that does not fit loses its oldest turns
     * @throws ApiException when the request asks for what the model cannot do (thinking, insert)
     */
    Rendered render(ModelRuntime runtime, String model, int context, RenderLimits limits, CancellationToken cancel);

    /**
     * @param thinking the reply starts with the model's reasoning in {@code <think>} tags, to be split off
     * @param droppedMessages the oldest turns left out to fit the context
     */
    record Rendered(String text, boolean thinking, int droppedMessages) {}

    /** The tools offered to the model, in OpenAI's function shape; none for a plain prompt. */
    default List<JsonNode> tools() {
        return List.of();
    }

    /** How the model writes the calls of the tools offered. */
    default ToolCallFormat toolCallFormat(ModelRuntime runtime) {
        return ToolCallFormat.ANY;
    }

    /**
     * @param tools offered to the model through its chat template
     * @param think the request's thinking switch, or null: a model whose template thinks does so by default, as in Ollama
     * @param truncate whether turns may be dropped to fit the context
     */
    record Chat(ChatPrompt template, List<ChatMessage> messages, List<JsonNode> tools, Think think, boolean truncate)
            implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            tools = List.copyOf(tools);
        }

        public Chat(ChatPrompt template, List<ChatMessage> messages, List<JsonNode> tools) {
            this(template, messages, tools, null, true);
        }

        public Chat(ChatPrompt template, List<ChatMessage> messages) {
            this(template, messages, List.of());
        }

        @Override
        public Rendered render(ModelRuntime runtime, String model, int context, RenderLimits limits, CancellationToken cancel) {
            String source = template.goTemplateSource() != null ? template.goTemplateSource() : runtime.chatTemplateSource();
            boolean thinks = PromptOptions.templateThinks(source);
            if (!thinks && think != null && think.on()) throw ApiException.badRequest("\"" + model + "\" does not support thinking", "think");
            boolean thinking = thinks && (think == null || think.on());
            PromptOptions options = thinks ? new PromptOptions(thinking, think == null ? null : think.level(), null) : PromptOptions.NONE;
            String whole = template.render(runtime, messages, tools, options, limits, cancel);
            if (!truncate || messages.size() < 2 || runtime.countTokens(whole) <= context) return new Rendered(whole, thinking, 0);
            // Ollama's chatPrompt: drop the oldest turns until the rest fits, keeping system messages and the last
            // message; the fit is monotone in how many are dropped, so a binary search needs few renders.
            int low = 1;
            int high = messages.size() - 1;
            String fitting = null;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                String text = template.render(runtime, keptFrom(mid), tools, options, limits, cancel);
                if (runtime.countTokens(text) <= context) {
                    fitting = text;
                    high = mid - 1;
                } else {
                    low = mid + 1;
                }
            }
            int dropped = fitting == null ? messages.size() - 1 : high + 1;
            String text = fitting != null ? fitting : template.render(runtime, keptFrom(dropped), tools, options, limits, cancel);
            int droppedMessages = 0;
            for (int i = 0; i < dropped; i++) if (!messages.get(i).role().equals("system")) droppedMessages++;
            return new Rendered(text, thinking, droppedMessages);
        }

        /** The system messages before {@code from}, then every message from it on. */
        private List<ChatMessage> keptFrom(int from) {
            List<ChatMessage> kept = new ArrayList<>();
            for (int i = 0; i < from; i++) if (messages.get(i).role().equals("system")) kept.add(messages.get(i));
            kept.addAll(messages.subList(from, messages.size()));
            return kept;
        }

        @Override
        public ToolCallFormat toolCallFormat(ModelRuntime runtime) {
            return template.toolCallFormat(runtime);
        }

        /** The same conversation with {@code more} messages after it (a tool step's calls and results). */
        public Chat continued(List<ChatMessage> more) {
            List<ChatMessage> all = new ArrayList<>(messages);
            all.addAll(more);
            return new Chat(template, all, tools, think, truncate);
        }
    }

    record Raw(String text) implements Prompt {
        @Override
        public Rendered render(ModelRuntime runtime, String model, int context, RenderLimits limits, CancellationToken cancel) {
            return new Rendered(text, false, 0);
        }
    }

    /**
     * Fill-in-the-middle: the code before and after the insertion point, through a Go template with {@code .Suffix}
     * or the tokenizer's FIM tokens (Qwen2.5-Coder's {@code <|fim_prefix|>}, CodeLlama's {@code <PRE>}).
     */
    record Insert(ChatPrompt template, String prefix, String suffix) implements Prompt {
        @Override
        public Rendered render(ModelRuntime runtime, String model, int context, RenderLimits limits, CancellationToken cancel) {
            if (PromptOptions.templateInserts(template.goTemplateSource())) {
                return new Rendered(template.render(runtime, List.of(new ChatMessage("user", prefix)),
                        new PromptOptions(null, null, suffix), limits, cancel), false, 0);
            }
            if (runtime.hasToken("<|fim_prefix|>") && runtime.hasToken("<|fim_suffix|>") && runtime.hasToken("<|fim_middle|>")) {
                return new Rendered("<|fim_prefix|>" + prefix + "<|fim_suffix|>" + suffix + "<|fim_middle|>", false, 0);
            }
            if (runtime.hasToken("<PRE>") && runtime.hasToken("<SUF>") && runtime.hasToken("<MID>")) {
                return new Rendered("<PRE> " + prefix + " <SUF>" + suffix + " <MID>", false, 0);
            }
            throw ApiException.badRequest(model + " does not support insert", "suffix");
        }
    }
}
