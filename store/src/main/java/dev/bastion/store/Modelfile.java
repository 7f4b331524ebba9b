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
 * {@code #} starts a comment line. Text values are one line or a {@code """…"""} block spanning lines; text such a
 * block cannot hold is written as an escaped block (see {@link ModelfileText}), so {@link #render()} round-trips.
 *
 * @param from a model name in the store or a directory (relative to the Modelfile's directory)
 * @param parameters key → Integer/Long/Double/String, or {@code List<String>} for {@code stop}; see {@link ModelParameter}
 * @param template null when not set (likewise system and license)
 */
public record Modelfile(String from, Map<String, Object> parameters, String template, String system, String license) {

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
            // Only leading space goes: a block's first line keeps its trailing space.
            String line = lines[i].stripLeading();
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] parts = line.split("\\s+", 2);
            String instruction = parts[0].toUpperCase(Locale.ROOT);
            String argument = parts.length > 1 ? parts[1] : "";
            if (argument.isBlank()) throw new ModelfileException(lineNumber, instruction + " needs an argument");
            switch (instruction) {
                case "FROM" -> {
                    if (from != null) throw new ModelfileException(lineNumber, "FROM is given twice");
                    from = argument.strip();
                }
                case "PARAMETER" -> i = parseParameter(lines, i, argument, parameters);
                case "TEMPLATE", "SYSTEM", "LICENSE" -> {
                    if (texts.containsKey(instruction)) throw new ModelfileException(lineNumber, instruction + " is given twice");
                    String value;
                    if (ModelfileText.isBlock(argument)) {
                        ModelfileText.Value block = ModelfileText.readBlock(lines, i, argument, instruction);
                        value = block.text();
                        i = block.lastLine();
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

    /** Parses the PARAMETER at line {@code index}; returns the index of its last line (a block value may span lines). */
    @SuppressWarnings("unchecked")
    private static int parseParameter(String[] lines, int index, String argument, Map<String, Object> parameters) {
        int lineNumber = index + 1;
        String[] kv = argument.strip().split("\\s+", 2);
        if (kv.length < 2) throw new ModelfileException(lineNumber, "PARAMETER needs a key and a value");
        ModelParameter parameter = ModelParameter.fromKey(kv[0]).orElseThrow(() -> new ModelfileException(lineNumber,
                "unknown parameter '" + ModelName.printable(kv[0]) + "'; supported: " + supportedKeys()));
        String raw = argument.stripLeading().substring(kv[0].length()).stripLeading();
        int last = index;
        Object value;
        try {
            if (ModelfileText.isBlock(raw)) {
                ModelfileText.Value block = ModelfileText.readBlock(lines, index, raw, "PARAMETER " + parameter.key());
                last = block.lastLine();
                value = parameter.parseVerbatim(block.text());
            } else {
                value = parameter.parse(kv[1]);
            }
        } catch (ModelfileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ModelfileException(lineNumber, e.getMessage());
        }
        if (parameter.repeatable()) {
            ((List<Object>) parameters.computeIfAbsent(parameter.key(), k -> new ArrayList<>())).add(value);
        } else if (parameters.putIfAbsent(parameter.key(), value) != null) {
            throw new ModelfileException(lineNumber, "parameter '" + parameter.key() + "' is given twice");
        }
        return last;
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
                out.append("PARAMETER ").append(key).append(' ').append(v instanceof String s ? ModelfileText.quoted(s) : v).append('\n');
            }
        });
        appendText(out, "TEMPLATE", template);
        appendText(out, "SYSTEM", system);
        appendText(out, "LICENSE", license);
        return out.toString();
    }

    private static void appendText(StringBuilder out, String instruction, String value) {
        if (value != null) out.append(instruction).append(' ').append(ModelfileText.block(value)).append('\n');
    }
}
