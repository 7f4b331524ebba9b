package dev.bastion.store;

import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelParameterTest {

    @Test
    void modelfileParametersBecomeGenerationOptionsOverTheEngineDefaults() {
        Modelfile modelfile = Modelfile.parse("""
                FROM base
                PARAMETER temperature 0.25
                PARAMETER top_k 7
                PARAMETER num_predict 12
                PARAMETER num_ctx 256
                PARAMETER seed 9
                PARAMETER stop </s>
                PARAMETER stop END
                """);
        GenerationOptions options = ModelParameter.generationOptions(modelfile.parameters());
        SamplerOptions d = SamplerOptions.DEFAULT;
        assertThat(options.sampling()).isEqualTo(new SamplerOptions(0.25f, 7, d.topP(), d.minP(), d.repeatPenalty(), d.repeatLastN(), 9L));
        assertThat(options.maxTokens()).isEqualTo(12);
        assertThat(options.contextLength()).isEqualTo(256);
        assertThat(options.stop()).containsExactly("</s>", "END");

        assertThat(ModelParameter.generationOptions(Map.of())).isEqualTo(GenerationOptions.defaults());
    }

    @Test
    void penaltiesTypicalPAndNumKeepComeFromTheModelfile() {
        Modelfile modelfile = Modelfile.parse("""
                FROM base
                PARAMETER presence_penalty 0.5
                PARAMETER frequency_penalty -0.25
                PARAMETER typical_p 0.8
                PARAMETER num_keep 24
                """);
        GenerationOptions options = ModelParameter.generationOptions(modelfile.parameters());
        assertThat(options.sampling().presencePenalty()).isEqualTo(0.5f);
        assertThat(options.sampling().frequencyPenalty()).isEqualTo(-0.25f);
        assertThat(options.sampling().typicalP()).isEqualTo(0.8f);
        assertThat(options.numKeep()).isEqualTo(24);
        assertThatThrownBy(() -> Modelfile.parse("FROM base\nPARAMETER typical_p 0\n")).hasMessageContaining("typical_p");
    }

    @Test
    void aNegativeSeedMeansRandomAndAWronglyTypedValueIsNamed() {
        assertThat(ModelParameter.generationOptions(Map.of("seed", -1L)).sampling().seed()).isNull();
        assertThat(ModelParameter.generationOptions(Map.of("stop", "###")).stop()).isEqualTo(List.of("###"));
        assertThatThrownBy(() -> ModelParameter.generationOptions(Map.of("temperature", "hot")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature").hasMessageContaining("hot");
    }
}
