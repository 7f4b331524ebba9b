package dev.bastion.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of Ollama's Go templates (a Modelfile TEMPLATE or a request's {@code template}) rendered faithfully: the
 * fields .System, .Prompt, .Response, .Suffix, .Think and .ThinkLevel, and "if .Field" … ["else" …] "end" without
 * nesting; the trim markers "{{-" and "-}}" strip whitespace as in Go. Anything else is refused when parsing rather than
 * rendered wrongly. A template that mentions {@code .Messages} is, as in Ollama, given the whole conversation and the
 * tools instead, and may use the larger part of text/template {@link GoTemplate} implements. Immutable and thread-safe.
 */
public final class GoPromptTemplate {

    private static final String OPEN = "{{";
    private static final String CLOSE = "}}";
    private static final Pattern FIELD = Pattern.compile("\\.(System|Prompt|Response|Suffix|Think|ThinkLevel)");
    private static final Pattern IF = Pattern.compile("if\\s+\\.(System|Prompt|Response|Suffix|Think|ThinkLevel)");
    private static final String SUPPORTED = "supported: {{ .System }}, {{ .Prompt }}, {{ .Response }}, {{ .Suffix }},"
            + " {{ .Think }}, {{ .ThinkLevel }}, {{ if .Field }} … {{ else }} … {{ end }} and the {{- -}} trim markers";
    private static final int MAX_QUOTED = 64;

    private sealed interface Part {}

    private record Text(String text) implements Part {}

    private record Field(String name) implements Part {}

    private record If(String name) implements Part {}

    private record Else() implements Part {}

    private record End() implements Part {}

    private final List<Part> parts;
    /** A template that ranges over .Messages, as Ollama's tool-calling TEMPLATEs do; null: the legacy subset. */
    private final GoTemplate messagesTemplate;
    private final String source;

    private GoPromptTemplate(List<Part> parts, GoTemplate messagesTemplate, String source) {
        this.parts = parts;
        this.messagesTemplate = messagesTemplate;
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

    /** @throws IllegalArgumentException naming the first construct outside the supported subset */
    public static GoPromptTemplate parse(String source) {
        Objects.requireNonNull(source, "source");
        if (source.length() > RenderLimits.MAX_SOURCE_CHARS) {
            throw new IllegalArgumentException("template is longer than " + RenderLimits.MAX_SOURCE_CHARS + " characters");
        }
        // As Ollama: a template that mentions .Messages is given the whole conversation, and tools
        if (source.contains(".Messages")) return new GoPromptTemplate(List.of(), GoTemplate.parse(source), source);
        List<Part> parts = new ArrayList<>();
        int last = 0;
        boolean inIf = false;
        boolean inElse = false;
        boolean trimNext = false;
        // indexOf rather than a regex: a lazy match over a hostile "{{{{…" would take quadratic time.
        for (int open = source.indexOf(OPEN); open >= 0; open = source.indexOf(OPEN, last)) {
            int close = source.indexOf(CLOSE, open + OPEN.length());
            if (close < 0) throw unsupported("a '{{' that is never closed by '}}'");
            String inner = source.substring(open + OPEN.length(), close);
            boolean trimBefore = inner.startsWith("-");
            boolean trimAfter = inner.length() > (trimBefore ? 1 : 0) && inner.endsWith("-");
            String action = inner.substring(trimBefore ? 1 : 0, inner.length() - (trimAfter ? 1 : 0)).strip();
            String text = source.substring(last, open);
            if (trimNext) text = text.stripLeading();
            if (trimBefore) text = text.stripTrailing();
            if (!text.isEmpty()) parts.add(new Text(text));
            Matcher field = FIELD.matcher(action);
            Matcher cond = IF.matcher(action);
            if (field.matches()) {
                parts.add(new Field(field.group(1)));
            } else if (cond.matches()) {
                if (inIf) throw unsupported("a nested if");
                inIf = true;
                parts.add(new If(cond.group(1)));
            } else if (action.equals("else")) {
                if (!inIf || inElse) throw unsupported("an else without if");
                inElse = true;
                parts.add(new Else());
            } else if (action.equals("end")) {
                if (!inIf) throw unsupported("an end without if");
                inIf = false;
                inElse = false;
                parts.add(new End());
            } else {
                throw unsupported("'{{ " + quote(action) + " }}'");
            }
            trimNext = trimAfter;
            last = close + CLOSE.length();
        }
        if (inIf) throw unsupported("an if without end");
        String rest = source.substring(last);
        if (trimNext) rest = rest.stripLeading();
        if (!rest.isEmpty()) parts.add(new Text(rest));
        return new GoPromptTemplate(List.copyOf(parts), null, source);
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
        Map<String, String> extra = Map.of("Suffix", options.suffix() == null ? "" : options.suffix(),
                "Think", Boolean.TRUE.equals(options.think()) ? "true" : "",
                "ThinkLevel", options.thinkLevel() == null ? "" : options.thinkLevel());
        StringBuilder out = new StringBuilder();
        String system = "";
        String prompt = "";
        String response = "";
        for (ChatMessage m : collate(messages, budget)) {
            switch (m.role()) {
                case "system" -> {
                    if (!prompt.isEmpty() || !response.isEmpty()) {
                        execute(out, values(system, prompt, response, extra), false, budget);
                        system = prompt = response = "";
                    }
                    system = m.content();
                }
                case "user" -> {
                    if (!response.isEmpty()) {
                        execute(out, values(system, prompt, response, extra), false, budget);
                        system = prompt = response = "";
                    }
                    prompt = m.content();
                }
                case "assistant" -> response = m.content();
                default -> { } // Ollama's templates without .Messages have no place for tool results
            }
        }
        execute(out, values(system, prompt, response, extra), true, budget);
        return out.toString();
    }

    /** A single prompt, as {@code /api/generate} renders one: {@code system} may be null. */
    public String render(String system, String prompt) {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) messages.add(new ChatMessage("system", system));
        messages.add(new ChatMessage("user", prompt));
        return render(messages);
    }

    private static Map<String, String> values(String system, String prompt, String response, Map<String, String> extra) {
        Map<String, String> values = new java.util.HashMap<>(extra);
        values.put("System", system);
        values.put("Prompt", prompt);
        values.put("Response", response);
        return values;
    }

    private void execute(StringBuilder out, Map<String, String> values, boolean cutAfterResponse, RenderBudget budget) {
        boolean skipping = false;
        boolean condition = false;
        for (Part part : parts) {
            budget.step();
            switch (part) {
                case Text t -> {
                    if (!skipping) out.append(t.text());
                }
                case Field f -> {
                    if (!skipping) out.append(values.get(f.name()));
                    // Ollama cuts after .Response wherever it stands, taken branch or not.
                    if (cutAfterResponse && f.name().equals("Response")) {
                        budget.checkOutput(out.length());
                        return;
                    }
                }
                case If i -> {
                    condition = !values.get(i.name()).isEmpty();
                    skipping = !condition;
                }
                case Else e -> skipping = condition;
                case End e -> skipping = false;
            }
            budget.checkOutput(out.length());
        }
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

    private static IllegalArgumentException unsupported(String construct) {
        return new IllegalArgumentException("unsupported template construct: " + construct + "; " + SUPPORTED);
    }

    /** Template text quoted in a message: control characters replaced, at most 64 characters. */
    private static String quote(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().limit(MAX_QUOTED).forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > MAX_QUOTED ? sb + "…" : sb.toString();
    }
}
