package dev.bastion.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An Ollama Go template (a Modelfile TEMPLATE or a request's {@code template}), rendered as Ollama renders it, on the
 * part of Go's text/template {@link GoTemplate} implements. A template that mentions {@code .Messages} is given the
 * whole conversation and the tools; any other is given the fields .System, .Prompt, .Response, .Suffix, .Think and
 * .ThinkLevel, once per exchange, the last one cut after .Response — and naming any other field is refused when
 * parsing rather than rendered as nothing. Immutable and thread-safe.
 */
public final class GoPromptTemplate {

    /** The fields Ollama gives a template without .Messages. */
    private static final Set<String> LEGACY_FIELDS = Set.of("System", "Prompt", "Response", "Suffix", "Think", "ThinkLevel",
            "IsThinkSet");
    private static final String SUPPORTED = "a template without .Messages may use .System, .Prompt, .Response, .Suffix, .Think and"
            + " .ThinkLevel (see docs/api.md for the Go template constructs)";

    /** A template that ranges over .Messages, as Ollama's tool-calling TEMPLATEs do; null: one without. */
    private final GoTemplate messagesTemplate;
    /** A template without .Messages, whole (earlier exchanges) and cut after .Response (the reply being generated). */
    private final GoTemplate legacy;
    private final GoTemplate legacyCut;
    private final String source;

    private GoPromptTemplate(GoTemplate messagesTemplate, GoTemplate legacy, String source) {
        this.messagesTemplate = messagesTemplate;
        this.legacy = legacy;
        this.legacyCut = legacy == null ? null : legacy.cutAfter("Response");
        this.source = source;
    }

    /** Whether the template renders the conversation itself ({@code .Messages}), and so may offer {@code .Tools}. */
    public boolean takesTools() {
        return messagesTemplate != null;
    }

    /** The template's text (its tool-call markers tell the model's format). */
    public String source() {
        return source;
    }

    /** @throws IllegalArgumentException naming the first construct outside the supported part of text/template */
    public static GoPromptTemplate parse(String source) {
        Objects.requireNonNull(source, "source");
        if (source.length() > RenderLimits.MAX_SOURCE_CHARS) {
            throw new IllegalArgumentException("template is longer than " + RenderLimits.MAX_SOURCE_CHARS + " characters");
        }
        // As Ollama: a template that mentions .Messages is given the whole conversation, and tools
        if (source.contains(".Messages")) return new GoPromptTemplate(GoTemplate.parse(source), null, source);
        try {
            return new GoPromptTemplate(null, GoTemplate.parse(source, LEGACY_FIELDS), source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; " + SUPPORTED, e);
        }
    }

    /**
     * The prompt for a conversation, as Ollama renders templates without .Messages: consecutive messages of one role
     * are joined by a blank line; each system / user / assistant group is one execution of the template (.System only
     * where a system message precedes it), and the last one is the generation prompt: everything after .Response is cut,
     * .Response holding a trailing assistant message (a reply to continue) or nothing. Tool messages are left out.
     */
    public String render(List<ChatMessage> messages) {
        return render(messages, RenderBudget.standard());
    }

    /**
     * Like {@link #render(List)}, within {@code budget}: one step per message and per template part executed.
     *
     * @throws TemplateBudgetExceededException when the render runs out of time, steps or output
     * @throws java.util.concurrent.CancellationException when the budget's cancellation was set while rendering
     */
    public String render(List<ChatMessage> messages, RenderBudget budget) {
        return render(messages, List.of(), PromptOptions.NONE, budget);
    }

    /** Like {@link #render(List, RenderBudget)}, with .Suffix, .Think and .ThinkLevel from {@code options}. */
    public String render(List<ChatMessage> messages, PromptOptions options, RenderBudget budget) {
        return render(messages, List.of(), options, budget);
    }

    /**
     * Like {@link #render(List, RenderBudget)}, offering {@code tools} (OpenAI's function shape) as {@code .Tools}.
     *
     * @throws IllegalArgumentException when tools are given to a template without {@code .Messages} (see
     *                                  {@link #takesTools()}), or the template fails while running
     */
    public String render(List<ChatMessage> messages, List<com.fasterxml.jackson.databind.JsonNode> tools, RenderBudget budget) {
        return render(messages, tools, PromptOptions.NONE, budget);
    }

    /** Both: tools for a .Messages template; .Suffix, .Think and .ThinkLevel for the legacy subset. */
    public String render(List<ChatMessage> messages, List<com.fasterxml.jackson.databind.JsonNode> tools, PromptOptions options,
                         RenderBudget budget) {
        if (messagesTemplate != null) {
            String prompt = messages.isEmpty() ? "" : messages.getLast().content();
            if (options.suffix() != null && !options.suffix().isEmpty() && !prompt.isEmpty()) {
                // As Ollama: a prompt with a suffix is given as .Prompt and .Suffix alone, whatever else the template takes
                return messagesTemplate.execute(GoTemplateData.insert(prompt, options.suffix()), budget);
            }
            return messagesTemplate.execute(GoTemplateData.of(messages, tools), budget);
        }
        if (!tools.isEmpty()) throw new IllegalArgumentException("tools need a template that ranges over .Messages");
        String last = messages.isEmpty() ? "" : messages.getLast().content();
        if (options.suffix() != null && !options.suffix().isEmpty() && !last.isEmpty()) {
            // As Ollama: a prompt with a suffix is one execution of the whole template on .Prompt and .Suffix
            return legacy.execute(GoTemplateData.insert(last, options.suffix()), budget);
        }
        StringBuilder out = new StringBuilder();
        String system = "";
        String prompt = "";
        String response = "";
        for (ChatMessage m : collate(messages, budget)) {
            switch (m.role()) {
                case "system" -> {
                    if (!prompt.isEmpty() || !response.isEmpty()) {
                        execute(out, legacy, system, prompt, response, options, budget);
                        system = prompt = response = "";
                    }
                    system = m.content();
                }
                case "user" -> {
                    if (!response.isEmpty()) {
                        execute(out, legacy, system, prompt, response, options, budget);
                        system = prompt = response = "";
                    }
                    prompt = m.content();
                }
                case "assistant" -> response = m.content();
                default -> { } // Ollama's templates without .Messages have no place for tool results
            }
        }
        execute(out, legacyCut, system, prompt, response, options, budget);
        return out.toString();
    }

    private static void execute(StringBuilder out, GoTemplate template, String system, String prompt, String response,
                                PromptOptions options, RenderBudget budget) {
        out.append(template.execute(GoTemplateData.exchange(system, prompt, response, options), budget));
        budget.checkOutput(out.length());
    }

    /** A single prompt, as {@code /api/generate} renders one: {@code system} may be null. */
    public String render(String system, String prompt) {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) messages.add(new ChatMessage("system", system));
        messages.add(new ChatMessage("user", prompt));
        return render(messages);
    }

    /** Joins runs of one role; a builder per run, since repeated concatenation would be quadratic in the run's length. */
    private static List<ChatMessage> collate(List<ChatMessage> messages, RenderBudget budget) {
        List<ChatMessage> collated = new ArrayList<>();
        String role = null;
        StringBuilder content = new StringBuilder();
        for (ChatMessage m : messages) {
            budget.step();
            if (m.role().equals(role)) {
                content.append("\n\n").append(m.content());
                budget.checkOutput(content.length());
                continue;
            }
            if (role != null) collated.add(new ChatMessage(role, content.toString()));
            role = m.role();
            content.setLength(0);
            content.append(m.content());
        }
        if (role != null) collated.add(new ChatMessage(role, content.toString()));
        return collated;
    }
}
