package dev.bastion.api;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of Ollama's Go templates a per-request {@code template} may use: the actions .System, .Prompt,
 * .Response (always empty here), and "if .System" / "if .Prompt" ... "end" without nesting or else; the trim markers
 * "{{-" and "-}}" strip whitespace as in Go. Anything else is rejected rather than rendered wrongly.
 */
final class PromptTemplate {

    private static final Pattern ACTION = Pattern.compile("\\{\\{(-?)\\s*(.*?)\\s*(-?)}}", Pattern.DOTALL);
    private static final Pattern IF = Pattern.compile("if\\s+\\.(System|Prompt)");

    private PromptTemplate() {}

    static String render(String template, String system, String prompt) {
        Map<String, String> values = Map.of("System", system == null ? "" : system, "Prompt", prompt, "Response", "");
        StringBuilder out = new StringBuilder();
        Matcher m = ACTION.matcher(template);
        int last = 0;
        boolean skipping = false;
        boolean inIf = false;
        boolean trimNext = false;
        while (m.find()) {
            String text = template.substring(last, m.start());
            if (trimNext) text = text.stripLeading();
            if (!m.group(1).isEmpty()) text = text.stripTrailing();
            if (!skipping) out.append(text);
            String action = m.group(2);
            Matcher cond = IF.matcher(action);
            if (cond.matches()) {
                if (inIf) throw unsupported("nested if");
                inIf = true;
                skipping = values.get(cond.group(1)).isEmpty();
            } else if (action.equals("end")) {
                if (!inIf) throw unsupported("end without if");
                inIf = false;
                skipping = false;
            } else if (action.startsWith(".") && values.containsKey(action.substring(1))) {
                if (!skipping) out.append(values.get(action.substring(1)));
            } else {
                throw unsupported("'{{ " + ApiException.quote(action) + " }}'");
            }
            trimNext = !m.group(3).isEmpty();
            last = m.end();
        }
        if (inIf) throw unsupported("if without end");
        String rest = template.substring(last);
        out.append(trimNext ? rest.stripLeading() : rest);
        return out.toString();
    }

    private static ApiException unsupported(String what) {
        return ApiException.badRequest("'template' uses " + what + "; supported: {{ .System }}, {{ .Prompt }}, {{ .Response }}"
                + " and {{ if .System }}/{{ if .Prompt }} … {{ end }}", "template");
    }
}
