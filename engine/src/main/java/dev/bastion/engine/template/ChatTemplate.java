package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import dev.bastion.engine.toolcall.ToolCall;
import jinjava.javax.el.CompositeELResolver;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A Hugging Face chat template rendered with Jinjava set up like transformers' Jinja2 environment:
 * trim_blocks, lstrip_blocks, {@code raise_exception}, {@code strftime_now}, Python's {@code tojson}
 * and the Python str methods stock templates call. Thread-safe.
 */
public final class ChatTemplate {

    /** ChatML, for models that ship no template. */
    static final String FALLBACK_SOURCE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Entries of a list or map a template builds; far more than any conversation has messages. */
    private static final int MAX_COLLECTION_SIZE = 1 << 20;
    /**
     * Jinjava's own filters that Jinja2 (hence transformers) lacks, so no chat template uses them, and whose work a
     * template cannot bound: regular expressions (catastrophic backtracking), rendering strings as templates, YAML, HTML.
     */
    private static final Set<String> UNBOUNDED_FILTERS = Set.of("regex_replace", "render", "fromyaml", "toyaml", "fromjson",
            "striptags", "truncatehtml", "closehtml", "urlize", "prettyprint");
    /** Filters whose work grows with a number in their arguments (or format string): such numbers are kept small. */
    private static final Set<String> SIZED_FILTERS = Set.of("center", "indent", "format", "wordwrap", "batch", "slice", "truncate");
    /** The largest width or count those filters take; a run of more digits is refused. */
    private static final Pattern HUGE_NUMBER = Pattern.compile("\\d{7,}");
    /** One configured engine per output cap (one per model context size): its global context is only read while rendering. */
    private static final Map<Long, Jinjava> ENGINES = new ConcurrentHashMap<>();
    /** The clock of the template being rendered on this thread, for strftime_now. */
    private static final ThreadLocal<Clock> RENDER_CLOCK = new ThreadLocal<>();
    /** The budget of the render on this thread, checked before every node. */
    private static final ThreadLocal<RenderBudget> RENDER_BUDGET = new ThreadLocal<>();

    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;

    public ChatTemplate(String jinjaSource, String bosToken, String eosToken) {
        this(jinjaSource, bosToken, eosToken, Clock.systemDefaultZone());
    }

    ChatTemplate(String jinjaSource, String bosToken, String eosToken, Clock clock) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        if (jinjaSource.length() > RenderLimits.MAX_SOURCE_CHARS) {
            throw new IllegalArgumentException("chat template is longer than " + RenderLimits.MAX_SOURCE_CHARS + " characters");
        }
        // Jinja2 drops one trailing newline of the source (keep_trailing_newline=False).
        this.source = PythonSyntax.rewrite(jinjaSource.endsWith("\n") ? jinjaSource.substring(0, jinjaSource.length() - 1) : jinjaSource);
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.clock = clock;
        checkSyntax(source);
    }

    /** Fails at load rather than at the first chat when the template does not even parse, or nests too deep to render. */
    private static void checkSyntax(String source) {
        JinjavaInterpreter interpreter = jinjava(RenderLimits.MIN_OUTPUT_CHARS).newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        Node root;
        try {
            root = interpreter.parse(source);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError error : interpreter.getErrorsCopy()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template does not parse at line " + error.getLineno() + ": " + error.getMessage());
            }
        }
        if (depth(root) > RenderLimits.MAX_NESTING) {
            throw new IllegalArgumentException("chat template nests blocks deeper than " + RenderLimits.MAX_NESTING);
        }
    }

    /** The depth of the node tree, without recursion (a hostile tree would overflow the stack). */
    private static int depth(Node root) {
        int max = 0;
        Deque<Map.Entry<Node, Integer>> pending = new ArrayDeque<>();
        pending.push(Map.entry(root, 0));
        while (!pending.isEmpty()) {
            Map.Entry<Node, Integer> e = pending.pop();
            max = Math.max(max, e.getValue());
            for (Node child : e.getKey().getChildren()) pending.push(Map.entry(child, e.getValue() + 1));
        }
        return max;
    }

    public static ChatTemplate fallback() {
        return new ChatTemplate(FALLBACK_SOURCE, "", "<|im_end|>");
    }

    /** Renders the conversation within the default budget. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, RenderBudget.standard());
    }

    /**
     * Renders the conversation within {@code budget}.
     *
     * @throws IllegalArgumentException when the template raises an exception (e.g. roles that do not alternate)
     *                                  or cannot be rendered
     * @throws TemplateBudgetExceededException when the render runs out of time, steps, output, memory or stack
     * @throws java.util.concurrent.CancellationException when the budget's cancellation was set while rendering
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, RenderBudget budget) {
        return render(messages, List.of(), addGenerationPrompt, budget);
    }

    /**
     * Renders the conversation and the tools the model may call ({@code tools}, in OpenAI's
     * {@code {"type": "function", "function": {…}}} shape, as transformers' {@code apply_chat_template(tools=…)} takes
     * them; none: {@code tools} is undefined, as transformers leaves it), within {@code budget}.
     */
    public String render(List<ChatMessage> messages, List<JsonNode> tools, boolean addGenerationPrompt, RenderBudget budget) {
        List<Map<String, Object>> messageMaps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) messageMaps.add(messageMap(m));
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messageMaps);
        if (!tools.isEmpty()) context.put("tools", tools.stream().map(ChatTemplate::plain).toList());
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        // Lets "strftime_now is defined" hold, as in transformers where it is a global.
        context.put("strftime_now", "strftime_now");
        RenderResult result;
        RENDER_CLOCK.set(clock);
        RENDER_BUDGET.set(budget);
        try {
            result = jinjava(budget.maxOutputChars()).renderForResult(source, context);
        } catch (StackOverflowError e) {
            // Jinjava renders and parses expressions recursively; the stack unwound, so the thread is fine.
            budget.exceeded("nesting depth");
            throw e;
        } catch (OutOfMemoryError e) {
            // A single huge allocation (e.g. a filter asked for a 2^31-character string) that failed whole.
            budget.exceeded("memory");
            throw e;
        } finally {
            RENDER_BUDGET.remove();
            RENDER_CLOCK.remove();
        }
        // Jinjava records exceptions thrown by a node as errors and may go on: the budget knows whether it stopped.
        budget.rethrowFailure();
        for (TemplateError error : result.getErrors()) {
            if (outputTooBig(error)) budget.outputExceeded();
        }
        for (TemplateError error : result.getErrors()) {
            RaisedException raised = raisedBy(error.getException());
            if (raised != null) throw new IllegalArgumentException("chat template raised: " + raised.getMessage(), raised);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template failed at line " + error.getLineno() + ": " + error.getMessage(),
                        error.getException());
            }
        }
        budget.checkOutput(result.getOutput().length());
        return result.getOutput();
    }

    /** A message as transformers passes it: tool calls as {@code {"type": "function", "function": {name, arguments}}}. */
    private static Map<String, Object> messageMap(ChatMessage m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", m.role());
        map.put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : m.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", plain(call.arguments()));
                Map<String, Object> entry = new LinkedHashMap<>();
                if (call.id() != null) entry.put("id", call.id());
                entry.put("type", "function");
                entry.put("function", function);
                calls.add(entry);
            }
            map.put("tool_calls", calls);
        }
        if (m.toolName() != null) map.put("name", m.toolName());
        if (m.toolCallId() != null) map.put("tool_call_id", m.toolCallId());
        return map;
    }

    /** JSON as the maps, lists, strings, numbers and booleans a template reads (and tojson writes back). */
    private static Object plain(JsonNode node) {
        return PLAIN.convertValue(node, Object.class);
    }

    private static Jinjava jinjava(long maxOutputChars) {
        return ENGINES.computeIfAbsent(maxOutputChars, ChatTemplate::newJinjava);
    }

    /** Jinjava's node pre-processor: one budget step per node rendered, stopping at the first output overflow. */
    private static void step(Node node, JinjavaInterpreter interpreter) {
        RenderBudget budget = RENDER_BUDGET.get();
        if (budget == null) return;
        interpreter.getLastError().filter(ChatTemplate::outputTooBig).ifPresent(e -> budget.outputExceeded());
        budget.step();
    }

    /** Jinjava reports output or a string over its cap with this reason, or wrapped in an expression's error. */
    private static boolean outputTooBig(TemplateError error) {
        if (error.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG) return true;
        for (Throwable t = error.getException(); t != null; t = t.getCause()) if (t instanceof OutputTooBigException) return true;
        return false;
    }

    private static RaisedException raisedBy(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof RaisedException raised) return raised;
        return null;
    }

    private static Jinjava newJinjava(long maxOutputChars) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // Jinjava would otherwise render template syntax found inside values, i.e. in user messages.
                .withNestedInterpretationEnabled(false)
                // Templates come with downloaded models: bound what a hostile one can produce and how long it runs.
                .withMaxOutputSize(maxOutputChars)
                .withMaxStringLength(maxOutputChars)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withNodePreProcessor(ChatTemplate::step)
                .withDisabled(Map.of(Context.Library.FILTER, UNBOUNDED_FILTERS))
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
        for (String name : SIZED_FILTERS) {
            jinjava.getGlobalContext().registerFilter(new SizeCheckedFilter(jinjava.getGlobalContext().getFilter(name)));
        }
        jinjava.getGlobalContext().registerFilter(new ToJson());
        jinjava.getGlobalContext().registerFilter(new Trim());
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        // In Python a str is iterable and a sequence; Jinjava says no, which changes e.g. Llama 3's tool turns.
        jinjava.getGlobalContext().registerExpTest(new PythonTypeTest("iterable"));
        jinjava.getGlobalContext().registerExpTest(new PythonTypeTest("sequence"));
        return jinjava;
    }

    /** {@code raise_exception(msg)} of transformers. */
    public static String raiseException(String message) {
        throw new RaisedException(message);
    }

    /** {@code strftime_now(fmt)} of transformers: the current local time formatted with Python's strftime. */
    public static String strftimeNow(String format) {
        Clock clock = RENDER_CLOCK.get();
        return Strftime.format(ZonedDateTime.now(clock == null ? Clock.systemDefaultZone() : clock), format);
    }

    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    private record PythonTypeTest(String getName) implements ExpTest {
        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    /** transformers' {@code {% generation %}} marks the assistant's text for training masks; rendering ignores it. */
    private static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) out.append(child.render(interpreter).getValue());
            return out.toString();
        }
    }

    /** Jinja's trim is Python's strip(): Unicode spaces go, control characters stay (Jinjava's trims both ways). */
    private static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) return "";
            String chars = args.length > 0 ? args[0] : null;
            return PythonMethods.strip(var.toString(), chars, true, true);
        }
    }

    /** A filter of {@link #SIZED_FILTERS} that refuses sizes of a million or more before its work starts. */
    private record SizeCheckedFilter(Filter filter) implements Filter {
        @Override
        public String getName() {
            return filter.getName();
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            check(var, List.of(args));
            return filter.filter(var, interpreter, args);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<Object> all = new ArrayList<>(Arrays.asList(args));
            all.addAll(kwargs.values());
            check(var, all);
            return filter.filter(var, interpreter, args, kwargs);
        }

        private void check(Object var, List<?> args) {
            // format's sizes are in the format string, the others' in their arguments.
            for (Object value : getName().equals("format") ? List.of(String.valueOf(var)) : args) {
                if (value != null && HUGE_NUMBER.matcher(value.toString()).find()) {
                    RenderBudget budget = RENDER_BUDGET.get();
                    if (budget != null) budget.exceeded("a size of a million or more in " + getName());
                    throw new IllegalArgumentException(getName() + " takes sizes below a million");
                }
            }
        }
    }

    /** Python's json.dumps, unlike Jinjava's own tojson (which writes {"a":1}). */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(var, args.length > 0 && args[0] != null ? Integer.valueOf(args[0]) : null);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            return PythonJson.dumps(var, indent == null ? null : Integer.valueOf(indent.toString()));
        }
    }
}
