package dev.bastion.engine.toolcall;

import java.util.List;
import java.util.function.Predicate;

/**
 * How a model family writes tool calls in its output, recognised by the markers its chat template or vocabulary holds.
 * {@link #ANY} (a model whose template names none) accepts every family's form.
 */
public enum ToolCallFormat {
    /** Qwen2.5, Qwen3, Hermes: {@code <tool_call>{"name": …, "arguments": {…}}</tool_call>}, one block per call. */
    HERMES,
    /** Llama 3.1+/3.2: the reply is {@code {"name": …, "parameters": {…}}}, possibly after {@code <|python_tag|>}. */
    LLAMA,
    /** Mistral: {@code [TOOL_CALLS][{"name": …, "arguments": {…}}]}, or the newer {@code [TOOL_CALLS]name[ARGS]{…}}. */
    MISTRAL,
    /** No family recognised: any of the above. */
    ANY;

    static final String HERMES_OPEN = "<tool_call>";
    static final String HERMES_CLOSE = "</tool_call>";
    static final String PYTHON_TAG = "<|python_tag|>";
    static final String MISTRAL_CALLS = "[TOOL_CALLS]";
    static final String MISTRAL_ARGS = "[ARGS]";

    /**
     * The format a template's source names (a Jinja chat template or an Ollama Go TEMPLATE), else the one whose
     * marker is a token of the vocabulary, else {@link #ANY}.
     *
     * @param template the template source, or null
     * @param isToken whether a string is one token of the model's vocabulary
     */
    public static ToolCallFormat detect(String template, Predicate<String> isToken) {
        if (template != null) {
            if (template.contains(HERMES_OPEN)) return HERMES;
            if (template.contains(MISTRAL_CALLS)) return MISTRAL;
            // Llama 3.2's template asks for {"name": function name, "parameters": dictionary of argument name …}
            if (template.contains(PYTHON_TAG) || template.contains("\"parameters\": dictionary of argument name")) return LLAMA;
        }
        for (ToolCallFormat f : List.of(HERMES, MISTRAL, LLAMA)) {
            if (isToken.test(f.marker())) return f;
        }
        return ANY;
    }

    /** The text that starts this family's tool calls in a reply (Llama's may also start with a bare JSON object). */
    String marker() {
        return switch (this) {
            case HERMES -> HERMES_OPEN;
            case LLAMA -> PYTHON_TAG;
            case MISTRAL -> MISTRAL_CALLS;
            case ANY -> "";
        };
    }

    /** The markers recognised in a reply of this format. */
    List<String> markers() {
        return this == ANY ? List.of(HERMES_OPEN, PYTHON_TAG, MISTRAL_CALLS) : List.of(marker());
    }

    /** Whether a reply that is nothing but a JSON call object (or array of them) counts as tool calls. */
    boolean bareJson() {
        return this == LLAMA || this == MISTRAL || this == ANY;
    }
}
