package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.openai.ChatCompletionRequest;
import dev.bastion.api.openai.OpenAi;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.Options;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplingRequestTest {

    private static ObjectNode body(String json) {
        return JsonFields.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static GenerationOptions ollama(String optionsJson, Map<String, Object> modelParameters) {
        ChatRequest request = JsonFields.read(body("{\"options\":" + optionsJson + "}"), ChatRequest.class);
        return SamplingRequest.fromOllama(request.options(), "options.", modelParameters);
    }

    /** OpenAI's sampling fields, as the translation turns them into Ollama options. */
    private static GenerationOptions openAi(String json, Map<String, Object> modelParameters) {
        Options options = OpenAi.options(JsonFields.read(body(json), ChatCompletionRequest.class).sampling());
        return SamplingRequest.fromOllama(options, "options.", modelParameters);
    }

    @Test
    void mapsEveryOllamaOption() {
        GenerationOptions o = ollama("""
                {"temperature":0.2,"top_k":7,"top_p":0.5,"min_p":0.05,"seed":42,"num_predict":12,"num_ctx":256,
                 "stop":["\\n\\n","END"],"repeat_penalty":1.3,"repeat_last_n":16,"unknown_option":true}""", Map.of());
        assertThat(o.sampling()).isEqualTo(new SamplerOptions(0.2f, 7, 0.5f, 0.05f, 1.3f, 16, 42L));
        assertThat(o.maxTokens()).isEqualTo(12);
        assertThat(o.contextLength()).isEqualTo(256);
        assertThat(o.stop()).containsExactly("\n\n", "END");
    }

    @Test
    void requestOptionsOverrideModelParametersWhichOverrideDefaults() {
        GenerationOptions o = ollama("{\"top_k\":3}", Map.of("top_k", 9, "temperature", 0.1, "stop", List.of("<|end|>")));
        assertThat(o.sampling().topK()).isEqualTo(3);
        assertThat(o.sampling().temperature()).isEqualTo(0.1f);
        assertThat(o.sampling().topP()).isEqualTo(SamplerOptions.DEFAULT.topP());
        assertThat(o.stop()).containsExactly("<|end|>");
        assertThat(o.maxTokens()).isEqualTo(-1);
    }

    @Test
    void mapsPenaltiesTypicalPAndNumKeep() {
        GenerationOptions o = ollama("{\"presence_penalty\":0.5,\"frequency_penalty\":-0.25,\"typical_p\":0.7,\"num_keep\":12}", Map.of());
        assertThat(o.sampling().presencePenalty()).isEqualTo(0.5f);
        assertThat(o.sampling().frequencyPenalty()).isEqualTo(-0.25f);
        assertThat(o.sampling().typicalP()).isEqualTo(0.7f);
        assertThat(o.numKeep()).isEqualTo(12);
        assertThat(o.truncate()).isTrue();
        GenerationOptions defaults = ollama("{}", Map.of());
        assertThat(defaults.numKeep()).as("Ollama's default").isEqualTo(4);
        assertThat(defaults.sampling().typicalP()).isEqualTo(1f);
        assertThat(ollama("{\"num_keep\":-1}", Map.of()).numKeep()).isEqualTo(-1);
        assertThatThrownBy(() -> ollama("{\"typical_p\":0}", Map.of())).hasMessageContaining("typical_p");
        assertThatThrownBy(() -> ollama("{\"num_keep\":-2}", Map.of())).hasMessageContaining("options.num_keep");
        GenerationOptions fromModel = ollama("{\"typical_p\":0.5}", Map.of("presence_penalty", 0.75, "num_keep", 9));
        assertThat(fromModel.sampling().presencePenalty()).as("the model's parameter").isEqualTo(0.75f);
        assertThat(fromModel.sampling().typicalP()).isEqualTo(0.5f);
        assertThat(fromModel.numKeep()).isEqualTo(9);
        GenerationOptions openAi = openAi("{\"presence_penalty\":1.5,\"frequency_penalty\":-2}", Map.of());
        assertThat(openAi.sampling().presencePenalty()).isEqualTo(1.5f);
        assertThat(openAi.sampling().frequencyPenalty()).isEqualTo(-2f);
        assertThatThrownBy(() -> openAi("{\"frequency_penalty\":2.5}", Map.of())).hasMessageContaining("frequency_penalty");
    }

    @Test
    void repeatLastNMinusOneMeansTheWholeContext() {
        assertThat(ollama("{\"repeat_last_n\":-1,\"num_ctx\":512}", Map.of()).sampling().repeatLastN()).isEqualTo(512);
        assertThat(ollama("{\"repeat_last_n\":-1}", Map.of()).sampling().repeatLastN()).isGreaterThanOrEqualTo(1 << 20);
        assertThat(ollama("{\"repeat_last_n\":0}", Map.of()).sampling().repeatLastN()).isZero();
    }

    @Test
    void impossibleOptionsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> ollama("{\"top_p\":2}", Map.of())).isInstanceOf(ApiException.class).hasMessageContaining("top_p");
        assertThatThrownBy(() -> ollama("{\"num_ctx\":-5}", Map.of())).hasMessageContaining("options.num_ctx").hasMessageContaining("-5");
        assertThatThrownBy(() -> ollama("{\"temperature\":\"hot\"}", Map.of()))
                .hasMessage("'options.temperature' must be a number, got a string");
        assertThatThrownBy(() -> ollama("{\"top_k\":1.5}", Map.of())).hasMessageContaining("options.top_k").hasMessageContaining("integer");
        assertThatThrownBy(() -> ollama("{\"stop\":[1]}", Map.of())).hasMessageContaining("options.stop");
        assertThatThrownBy(() -> ollama("{\"stop\":[\"\"]}", Map.of())).hasMessageContaining("stop");
        String seventeenStops = "[" + "\"s\",".repeat(16) + "\"s\"]";
        assertThatThrownBy(() -> ollama("{\"stop\":" + seventeenStops + "}", Map.of()))
                .isInstanceOf(ApiException.class).hasMessageContaining("at most 16 strings, got 17");
        assertThatThrownBy(() -> ollama("{\"stop\":[\"" + "x".repeat(257) + "\"]}", Map.of()))
                .isInstanceOf(ApiException.class).hasMessageContaining("at most 256 characters, got 257");
        assertThat(ollama("{\"stop\":[\"" + "x".repeat(256) + "\"]}", Map.of()).stop()).hasSize(1);
        assertThatThrownBy(() -> ollama("[1]", Map.of())).hasMessageContaining("'options' must be an object");
    }

    @Test
    void mapsOpenAiFields() {
        GenerationOptions o = openAi("""
                {"model":"m","temperature":0,"top_p":0.3,"seed":7,"max_tokens":5,"stop":"x"}""", Map.of());
        assertThat(o.sampling().greedy()).isTrue();
        assertThat(o.sampling().topP()).isEqualTo(0.3f);
        assertThat(o.sampling().seed()).isEqualTo(7L);
        assertThat(o.maxTokens()).isEqualTo(5);
        assertThat(o.stop()).containsExactly("x");
        GenerationOptions newer = openAi("{\"max_completion_tokens\":3,\"max_tokens\":9}", Map.of());
        assertThat(newer.maxTokens()).isEqualTo(3);
    }

    @Test
    void openAiRejectsNOtherThanOneAndOutOfRangeValues() {
        assertThatThrownBy(() -> openAi("{\"n\":2}", Map.of())).hasMessageContaining("'n' = 2");
        assertThatThrownBy(() -> openAi("{\"temperature\":3}", Map.of())).hasMessageContaining("temperature");
        assertThatThrownBy(() -> openAi("{\"max_tokens\":0}", Map.of())).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> openAi("{\"stop\":{}}", Map.of())).hasMessageContaining("stop");
    }

    @Test
    void malformedBodiesAreRejected() {
        assertThatThrownBy(() -> body("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> body("{\"a\":")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> body("[]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> body("{} {}")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> body("{\"a\":1,\"a\":2}")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> body("[".repeat(5000))).isInstanceOf(ApiException.class);
    }
}
