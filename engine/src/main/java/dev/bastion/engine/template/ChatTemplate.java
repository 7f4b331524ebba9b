package dev.bastion.engine.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import jinjava.javax.el.CompositeELResolver;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template rendered with Jinjava set up like transformers' Jinja2 environment:
 * trim_blocks, lstrip_blocks, {@code raise_exception}, {@code strftime_now}, Python's {@code tojson}
 * and the Python str methods stock templates call. Thread-safe.
 */
public final class ChatTemplate {

    /** ChatML, for models that ship no template. */
    static final String FALLBACK_SOURCE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final long MAX_OUTPUT_CHARS = 64L << 20;
    /** One configured engine for all templates: its global context is only read while rendering. */
    private static final Jinjava JINJAVA = newJinjava();
    /** The clock of the template being rendered on this thread, for strftime_now. */
    private static final ThreadLocal<Clock> RENDER_CLOCK = new ThreadLocal<>();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;

    public ChatTemplate(String jinjaSource, String bosToken, String eosToken) {
        this(jinjaSource, bosToken, eosToken, Clock.systemDefaultZone());
    }

    ChatTemplate(String jinjaSource, String bosToken, String eosToken, Clock clock) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        // Jinja2 drops one trailing newline of the source (keep_trailing_newline=False).
        this.source = PythonSyntax.rewrite(jinjaSource.endsWith("\n") ? jinjaSource.substring(0, jinjaSource.length() - 1) : jinjaSource);
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.clock = clock;
        checkSyntax(source);
    }

    /** Fails at load rather than at the first chat when the template does not even parse. */
    private static void checkSyntax(String source) {
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.parse(source);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError error : interpreter.getErrorsCopy()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template does not parse at line " + error.getLineno() + ": " + error.getMessage());
            }
        }
    }

    public static ChatTemplate fallback() {
        return new ChatTemplate(FALLBACK_SOURCE, "", "<|im_end|>");
    }

    /**
     * Renders the conversation.
     *
     * @throws IllegalArgumentException when the template raises an exception (e.g. roles that do not alternate)
     *                                  or cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> messageMaps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            messageMaps.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messageMaps);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        // Lets "strftime_now is defined" hold, as in transformers where it is a global.
        context.put("strftime_now", "strftime_now");
        RenderResult result;
        RENDER_CLOCK.set(clock);
        try {
            result = JINJAVA.renderForResult(source, context);
        } finally {
            RENDER_CLOCK.remove();
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
        return result.getOutput();
    }

    private static RaisedException raisedBy(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof RaisedException raised) return raised;
        return null;
    }

    private static Jinjava newJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // Jinjava would otherwise render template syntax found inside values, i.e. in user messages.
                .withNestedInterpretationEnabled(false)
                // Templates come with downloaded models: bound what a hostile one can produce.
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
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
