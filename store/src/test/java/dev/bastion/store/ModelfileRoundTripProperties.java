package dev.bastion.store;

import dev.bastion.engine.template.GoPromptTemplate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code show --modelfile} prints must create the same model again, whatever its texts and parameters hold. */
class ModelfileRoundTripProperties {

    @Property(tries = 200, edgeCases = EdgeCasesMode.FIRST)
    void renderParsesBackToTheSameModelfile(@ForAll("modelfiles") Modelfile modelfile) {
        assertThat(Modelfile.parse(modelfile.render())).isEqualTo(modelfile);
    }

    @Example
    void aSystemPromptCannotInjectParameters() {
        Modelfile modelfile = new Modelfile("base", Map.of("temperature", 0.5),
                null, "hi\"\"\"\nPARAMETER temperature 99\nSYSTEM \"\"\"x", null);
        Modelfile parsed = Modelfile.parse(modelfile.render());
        assertThat(parsed.parameters()).isEqualTo(Map.of("temperature", 0.5));
        assertThat(parsed.system()).isEqualTo(modelfile.system());
    }

    @Example
    void ordinaryTextsRenderAsOllamaWritesThem() {
        Modelfile modelfile = new Modelfile("base", Map.of("stop", List.of("<|im_end|>")), "{{ .Prompt }}", "Be \"terse\".", "MIT\n");
        assertThat(modelfile.render()).isEqualTo("""
                FROM base
                PARAMETER stop "<|im_end|>"
                TEMPLATE \"""{{ .Prompt }}\"""
                SYSTEM \"""Be "terse".\"""
                LICENSE \"""MIT
                \"""
                """);
    }

    @Provide
    Arbitrary<Modelfile> modelfiles() {
        Arbitrary<String> template = hostileText().filter(ModelfileRoundTripProperties::renderable).injectNull(0.3);
        return Combinators.combine(parameters(), template, hostileText().injectNull(0.3), hostileText().injectNull(0.3))
                .as((parameters, t, system, license) -> new Modelfile("alice/base:v1", parameters, t, system, license));
    }

    /** Arbitrary Unicode mixed with the characters and sequences the syntax gives a meaning to. */
    private static Arbitrary<String> hostileText() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(6),
                Arbitraries.of("\"", "\"\"\"", "\"\"", "\\", "\\\"", "\"\"\\", "\n", "\r", "\r\n", " ", "\t", "#", "\u2028", "\u00a0",
                        "PARAMETER temperature 99", "SYSTEM ", "é", "😀", "\uD800"));
        return pieces.list().ofMaxSize(12).map(list -> String.join("", list));
    }

    private static Arbitrary<Map<String, Object>> parameters() {
        Arbitrary<Double> temperature = Arbitraries.doubles().between(0, 100);
        Arbitrary<Integer> topK = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Long> seed = Arbitraries.longs();
        Arbitrary<List<String>> stop = hostileText().filter(s -> !s.isEmpty()).list().ofMaxSize(3);
        return Combinators.combine(temperature.injectNull(0.5), topK.injectNull(0.5), seed.injectNull(0.5), stop)
                .as((t, k, s, stops) -> {
                    Map<String, Object> parameters = new LinkedHashMap<>();
                    if (t != null) parameters.put("temperature", t);
                    if (k != null) parameters.put("top_k", k);
                    if (s != null) parameters.put("seed", s);
                    if (!stops.isEmpty()) parameters.put("stop", stops);
                    return parameters;
                });
    }

    private static boolean renderable(String template) {
        try {
            GoPromptTemplate.parse(template);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
