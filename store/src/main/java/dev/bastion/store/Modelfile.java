package dev.bastion.store;

import dev.bastion.engine.template.GoPromptTemplate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed Modelfile: {@code FROM}, {@code PARAMETER key value}, {@code TEMPLATE}, {@code SYSTEM}, {@code LICENSE};
 * {@code #} starts a comment line. Text values are one line or a {@code """…"""} block spanning lines.
 *
 * @param from a model name in the store or a directory (relative to the Modelfile's directory)
 * @param parameters key → Integer/Long/Double/String, or {@code List<String>} for {@code stop}; see {@link ModelParameter}
 * @param template null when not set (likewise system and license)
 */
public record Modelfile(String from, Map<String, Object> parameters, String template, String system, String license) {

    private static final String TRIPLE = "\"\"\"";

    public Modelfile {
        if (from == null || from.isBlank()) throw new ModelfileException(0, "FROM is missing");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public static Modelfile parse(String text) {
        String[] lines = text.split("\r?\n", -1);
        String from = null;
        Map<String, Object> parameters = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] parts = line.split("\\s+", 2);
            String instruction = parts[0].toUpperCase(Locale.ROOT);
            String argument = parts.length > 1 ? parts[1] : "";
            if (argument.isBlank()) throw new ModelfileException(lineNumber, instruction + " needs an argument");
            switch (instruction) {
                case "FROM" -> {
                    if (from != null) throw new ModelfileException(lineNumber, "FROM is given twice");
                    from = argument.strip();
                }
                case "PARAMETER" -> parseParameter(lineNumber, argument, parameters);
                case "TEMPLATE", "SYSTEM", "LICENSE" -> {
                    if (texts.containsKey(instruction)) throw new ModelfileException(lineNumber, instruction + " is given twice");
                    String value;
                    if (argument.startsWith(TRIPLE)) {
                        StringBuilder block = new StringBuilder(argument.substring(TRIPLE.length()));
                        int end = block.indexOf(TRIPLE);
                        while (end < 0) {
                            if (++i >= lines.length) {
                                throw new ModelfileException(lineNumber, instruction + " starts a \"\"\" block that is never closed");
                            }
                            block.append('\n').append(lines[i]);
                            end = block.indexOf(TRIPLE);
                        }
                        if (!block.substring(end + TRIPLE.length()).isBlank()) {
                            throw new ModelfileException(i + 1, "unexpected text after the closing \"\"\" of " + instruction);
                        }
                        value = block.substring(0, end);
                    } else {
                        value = unquote(argument.strip());
                    }
                    if (instruction.equals("TEMPLATE")) requireRenderable(lineNumber, value);
                    texts.put(instruction, value);
                }
                default -> throw new ModelfileException(lineNumber, "unknown instruction '" + ModelName.printable(parts[0])
                        + "'; supported: FROM, PARAMETER, TEMPLATE, SYSTEM, LICENSE");
            }
        }
        if (from == null) throw new ModelfileException(0, "FROM is missing");
        return new Modelfile(from, parameters, texts.get("TEMPLATE"), texts.get("SYSTEM"), texts.get("LICENSE"));
    }

    /** Refuses a TEMPLATE that generation could not render, so that it fails at create time, not at the first request. */
    static void requireRenderable(int lineNumber, String template) {
        try {
            GoPromptTemplate.parse(template);
        } catch (IllegalArgumentException e) {
            throw new ModelfileException(lineNumber, "TEMPLATE: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static void parseParameter(int lineNumber, String argument, Map<String, Object> parameters) {
        String[] kv = argument.strip().split("\\s+", 2);
        if (kv.length < 2) throw new ModelfileException(lineNumber, "PARAMETER needs a key and a value");
        ModelParameter parameter = ModelParameter.fromKey(kv[0]).orElseThrow(() -> new ModelfileException(lineNumber,
                "unknown parameter '" + ModelName.printable(kv[0]) + "'; supported: " + supportedKeys()));
        Object value;
        try {
            value = parameter.parse(kv[1]);
        } catch (IllegalArgumentException e) {
            throw new ModelfileException(lineNumber, e.getMessage());
        }
        if (parameter.repeatable()) {
            ((List<Object>) parameters.computeIfAbsent(parameter.key(), k -> new ArrayList<>())).add(value);
        } else if (parameters.putIfAbsent(parameter.key(), value) != null) {
            throw new ModelfileException(lineNumber, "parameter '" + parameter.key() + "' is given twice");
        }
    }

    private static String supportedKeys() {
        return String.join(", ", java.util.Arrays.stream(ModelParameter.values()).map(ModelParameter::key).toList());
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** The Modelfile text that parses back to this one. */
    public String render() {
        StringBuilder out = new StringBuilder("FROM ").append(from).append('\n');
        parameters.forEach((key, value) -> {
            for (Object v : value instanceof List<?> list ? list : List.of(value)) {
                out.append("PARAMETER ").append(key).append(' ').append(v instanceof String s ? '"' + s + '"' : v).append('\n');
            }
        });
        appendText(out, "TEMPLATE", template);
        appendText(out, "SYSTEM", system);
        appendText(out, "LICENSE", license);
        return out.toString();
    }

    private static void appendText(StringBuilder out, String instruction, String value) {
        if (value != null) out.append(instruction).append(' ').append(TRIPLE).append(value).append(TRIPLE).append('\n');
    }
}
