package dev.bastion.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelfileTest {

    @Test
    void parsesEveryInstruction() {
        Modelfile modelfile = Modelfile.parse("""
                # a comment
                FROM alice/base:v1

                PARAMETER temperature 0.2
                parameter TOP_K 20
                PARAMETER seed 12345678901
                PARAMETER stop "<|im_end|>"
                PARAMETER stop </s>
                PARAMETER num_ctx 4096
                TEMPLATE \"\"\"{{ .System }}
                {{ .Prompt }}\"\"\"
                SYSTEM "You are terse."
                LICENSE \"\"\"
                MIT
                \"\"\"
                """);
        assertThat(modelfile.from()).isEqualTo("alice/base:v1");
        assertThat(modelfile.parameters()).containsExactly(Map.entry("temperature", 0.2), Map.entry("top_k", 20),
                Map.entry("seed", 12345678901L), Map.entry("stop", List.of("<|im_end|>", "</s>")), Map.entry("num_ctx", 4096));
        assertThat(modelfile.template()).isEqualTo("{{ .System }}\n{{ .Prompt }}");
        assertThat(modelfile.system()).isEqualTo("You are terse.");
        assertThat(modelfile.license()).isEqualTo("\nMIT\n");
    }

    @Test
    void renderParsesBackToTheSameModelfile() {
        Modelfile original = Modelfile.parse("FROM ./dir\nPARAMETER stop \"a b\"\nPARAMETER top_p 0.5\nSYSTEM \"\"\"two\nlines\"\"\"\n");
        assertThat(Modelfile.parse(original.render())).isEqualTo(original);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "FROM x\\nPARAMETER temperature hot|2|parameter 'temperature' expects a number, got 'hot'",
            "FROM x\\n\\nPARAMETER top_k 1.5|3|'top_k' expects an integer",
            "FROM x\\nPARAMETER top_p 0|2|'top_p' = 0 is outside its range (0, 1]",
            "FROM x\\nPARAMETER temperature NaN|2|expects a number",
            "FROM x\\nPARAMETER temperature 1e400|2|outside its range",
            "FROM x\\nPARAMETER num_ctx 0|2|'num_ctx' = 0 is outside",
            "FROM x\\nPARAMETER mirostat 1|2|unknown parameter 'mirostat'",
            "FROM x\\nPARAMETER top_k|2|PARAMETER needs a key and a value",
            "FROM x\\nPARAMETER top_k 1\\nPARAMETER top_k 2|3|'top_k' is given twice",
            "FROM x\\nADAPTER ./lora|2|unknown instruction 'ADAPTER'",
            "FROM x\\nFROM y|2|FROM is given twice",
            "FROM x\\nSYSTEM a\\nSYSTEM b|3|SYSTEM is given twice",
            "FROM x\\nTEMPLATE \"\"\"open\\nnever closed|2|never closed",
            "FROM x\\nTEMPLATE \"\"\"a\"\"\" trailing|2|unexpected text after the closing",
            "FROM x\\n\\nTEMPLATE \"\"\"{{ .System }}\\n{{ range .Tools }}{{ end }}\"\"\"|3|TEMPLATE: unsupported template construct: '{{ range .Tools }}'",
            "FROM x\\nTEMPLATE {{ if .Prompt }}open|2|TEMPLATE: unsupported template construct: an if without end",
            "FROM|1|FROM needs an argument",
            "PARAMETER top_k 1|0|FROM is missing",
    })
    void errorsNameTheLine(String text, int line, String message) {
        assertThatThrownBy(() -> Modelfile.parse(text.replace("\\n", "\n")))
                .isInstanceOfSatisfying(ModelfileException.class, e -> assertThat(e.lineNumber()).isEqualTo(line))
                .hasMessageContaining(line > 0 ? "line " + line + ":" : "Modelfile:")
                .hasMessageContaining(message);
    }
}
