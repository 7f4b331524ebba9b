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
    void aNegativeSeedMeansRandomAndAWronglyTypedValueIsNamed() {
        assertThat(ModelParameter.generationOptions(Map.of("seed", -1L)).sampling().seed()).isNull();
        assertThat(ModelParameter.generationOptions(Map.of("stop", "###")).stop()).isEqualTo(List.of("###"));
        assertThatThrownBy(() -> ModelParameter.generationOptions(Map.of("temperature", "hot")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature").hasMessageContaining("hot");
    }
}
