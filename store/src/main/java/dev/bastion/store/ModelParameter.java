package dev.bastion.store;

import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The generation parameters a Modelfile may set with {@code PARAMETER}, with their types and ranges (those of the
 * engine's {@code SamplerOptions} and {@code GenerationOptions}). Values are kept as Integer, Long, Double or String.
 */
public enum ModelParameter {
    TEMPERATURE("temperature", Kind.DECIMAL, 0, 100),
    TOP_K("top_k", Kind.INTEGER, 0, Integer.MAX_VALUE),
    TOP_P("top_p", Kind.DECIMAL, Double.MIN_VALUE, 1),
    MIN_P("min_p", Kind.DECIMAL, 0, 1),
    SEED("seed", Kind.LONG, Long.MIN_VALUE, Long.MAX_VALUE),
    NUM_PREDICT("num_predict", Kind.INTEGER, -1, Integer.MAX_VALUE),
    NUM_CTX("num_ctx", Kind.INTEGER, 1, 1 << 24),
    STOP("stop", Kind.TEXT, 0, 0),
    REPEAT_PENALTY("repeat_penalty", Kind.DECIMAL, Double.MIN_VALUE, 100),
    REPEAT_LAST_N("repeat_last_n", Kind.INTEGER, 0, Integer.MAX_VALUE),
    PRESENCE_PENALTY("presence_penalty", Kind.DECIMAL, -100, 100),
    FREQUENCY_PENALTY("frequency_penalty", Kind.DECIMAL, -100, 100),
    TYPICAL_P("typical_p", Kind.DECIMAL, Double.MIN_VALUE, 1),
    NUM_KEEP("num_keep", Kind.INTEGER, -1, Integer.MAX_VALUE);

    private enum Kind { INTEGER, LONG, DECIMAL, TEXT }

    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private final String key;
    private final Kind kind;
    private final double min;
    private final double max;

    ModelParameter(String key, Kind kind, double min, double max) {
        this.key = key;
        this.kind = kind;
        this.min = min;
        this.max = max;
    }

    public String key() {
        return key;
    }

    /** {@code stop} may be given several times; its values are collected in a list. */
    public boolean repeatable() {
        return this == STOP;
    }

    public static Optional<ModelParameter> fromKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.key.equals(k)).findFirst();
    }

    /**
     * A model's {@code PARAMETER}s (as {@link ModelDetails#parameters()} holds them) as generation options: each
     * parameter the model sets over the engine's default. A negative seed means a random one, as in Ollama.
     */
    public static GenerationOptions generationOptions(Map<String, Object> parameters) {
        SamplerOptions d = SamplerOptions.DEFAULT;
        GenerationOptions g = GenerationOptions.defaults();
        Number seed = number(parameters, SEED);
        SamplerOptions sampling = new SamplerOptions(
                floatOr(parameters, TEMPERATURE, d.temperature()),
                intOr(parameters, TOP_K, d.topK()),
                floatOr(parameters, TOP_P, d.topP()),
                floatOr(parameters, MIN_P, d.minP()),
                floatOr(parameters, REPEAT_PENALTY, d.repeatPenalty()),
                intOr(parameters, REPEAT_LAST_N, d.repeatLastN()),
                seed == null || seed.longValue() < 0 ? d.seed() : Long.valueOf(seed.longValue()),
                floatOr(parameters, PRESENCE_PENALTY, d.presencePenalty()),
                floatOr(parameters, FREQUENCY_PENALTY, d.frequencyPenalty()),
                floatOr(parameters, TYPICAL_P, d.typicalP()));
        Object stop = parameters.get(STOP.key);
        List<String> stops = stop == null ? g.stop()
                : stop instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of(String.valueOf(stop));
        return new GenerationOptions(sampling, intOr(parameters, NUM_PREDICT, g.maxTokens()),
                intOr(parameters, NUM_CTX, g.contextLength()), stops)
                .withTruncation(intOr(parameters, NUM_KEEP, g.numKeep()), true);
    }

    private static Number number(Map<String, Object> parameters, ModelParameter p) {
        Object value = parameters.get(p.key);
        if (value == null || value instanceof Number) return (Number) value;
        throw new IllegalArgumentException("parameter '" + p.key + "' must be a number, got '"
                + ModelName.printable(String.valueOf(value)) + "'");
    }

    private static float floatOr(Map<String, Object> parameters, ModelParameter p, float fallback) {
        Number n = number(parameters, p);
        return n == null ? fallback : n.floatValue();
    }

    private static int intOr(Map<String, Object> parameters, ModelParameter p, int fallback) {
        Number n = number(parameters, p);
        return n == null ? fallback : n.intValue();
    }

    /** Like {@link #parse}, but text is taken as it is (a Modelfile block's content: no stripping or unquoting). */
    public Object parseVerbatim(String text) {
        if (kind != Kind.TEXT) return parse(text);
        if (text.isEmpty()) throw new IllegalArgumentException("parameter '" + key + "' must not be empty");
        return text;
    }

    /** Parses and range-checks a value; the exception message names the parameter and the value. */
    public Object parse(String raw) {
        String text = raw.strip();
        if (kind == Kind.TEXT) {
            if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) text = text.substring(1, text.length() - 1);
            if (text.isEmpty()) throw new IllegalArgumentException("parameter '" + key + "' must not be empty");
            return text;
        }
        Number value;
        try {
            value = switch (kind) {
                case INTEGER -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                default -> {
                    if (!DECIMAL.matcher(text).matches()) throw new NumberFormatException(text);
                    yield Double.parseDouble(text);
                }
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter '" + key + "' expects " + (kind == Kind.DECIMAL ? "a number" : "an integer")
                    + ", got '" + ModelName.printable(text) + "'");
        }
        double d = value.doubleValue();
        if (kind != Kind.LONG && (d < min || d > max)) {
            throw new IllegalArgumentException("parameter '" + key + "' = " + text + " is outside its range "
                    + (min == Double.MIN_VALUE ? "(0" : "[" + format(min)) + ", " + format(max) + "]");
        }
        return value;
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
