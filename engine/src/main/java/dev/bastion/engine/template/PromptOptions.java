package dev.bastion.engine.template;

/**
 * What a request adds to a template's variables beyond the messages.
 *
 * @param think null: not asked (the template's default); else whether the model should think (Jinja
 *              {@code enable_thinking}, Go {@code .Think})
 * @param thinkLevel "low", "medium" or "high" when asked for a level (Jinja {@code reasoning_effort}, Go
 *                   {@code .ThinkLevel}); null otherwise
 * @param suffix the text after the insertion point for fill-in-the-middle (Go {@code .Suffix}); null: none
 */
public record PromptOptions(Boolean think, String thinkLevel, String suffix) {

    public static final PromptOptions NONE = new PromptOptions(null, null, null);

    /** Whether a template source (Jinja or Go) has a place for thinking: Qwen3's {@code <think>} or a think switch. */
    public static boolean templateThinks(String source) {
        return source != null && (source.contains("<think>") || source.contains("enable_thinking") || source.contains(".Think"));
    }

    /** Whether a Go template has a place for a fill-in-the-middle suffix. */
    public static boolean templateInserts(String source) {
        return source != null && source.contains(".Suffix");
    }
}
