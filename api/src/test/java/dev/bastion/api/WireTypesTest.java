package dev.bastion.api;

import dev.bastion.api.openai.ChatCompletionChunk;
import dev.bastion.api.openai.Completion;
import dev.bastion.api.openai.OpenAi;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.EmbedRequest;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.Metrics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire records bind as strictly as the hand-written field checks did, and serialize in the wire's shape. */
class WireTypesTest {

    private static <T> T read(String json, Class<T> type) {
        return JsonFields.read(JsonFields.parse(json.getBytes(StandardCharsets.UTF_8)), type);
    }

    private static String write(Object value) {
        return new String(HttpIo.bytes(value), StandardCharsets.UTF_8);
    }

    @Test
    void wrongTypesNameTheFieldAndWhatCame() {
        assertThatThrownBy(() -> read("{\"model\":42}", ChatRequest.class)).hasMessage("'model' must be a string, got a number");
        assertThatThrownBy(() -> read("{\"stream\":\"yes\"}", ChatRequest.class)).hasMessage("'stream' must be a boolean, got a string");
        assertThatThrownBy(() -> read("{\"messages\":{}}", ChatRequest.class)).hasMessage("'messages' must be an array, got an object");
        assertThatThrownBy(() -> read("{\"messages\":[1]}", ChatRequest.class)).hasMessage("'messages[0]' must be an object, got a number");
        assertThatThrownBy(() -> read("{\"messages\":[{\"role\":true}]}", ChatRequest.class))
                .hasMessage("'messages[0].role' must be a string, got a boolean");
        assertThatThrownBy(() -> read("{\"options\":[]}", ChatRequest.class)).hasMessage("'options' must be an object, got an array");
        assertThatThrownBy(() -> read("{\"options\":{\"top_k\":1.5}}", ChatRequest.class))
                .hasMessage("'options.top_k' must be an integer, got a number");
        assertThatThrownBy(() -> read("{\"options\":{\"temperature\":1e999}}", ChatRequest.class))
                .hasMessage("'options.temperature' must be finite");
        assertThatThrownBy(() -> read("{\"options\":{\"seed\":1e30}}", ChatRequest.class)).hasMessage("'options.seed' is out of range");
        assertThatThrownBy(() -> read("{\"options\":{\"stop\":[\"a\",1]}}", ChatRequest.class))
                .hasMessage("'options.stop' must be a string or an array of strings, got a number");
        assertThatThrownBy(() -> read("{\"input\":{}}", EmbedRequest.class))
                .hasMessage("'input' must be a string or an array of strings, got an object");
        assertThatThrownBy(() -> read("{\"keep_alive\":true}", GenerateRequest.class)).hasMessageContaining("keep_alive must be a duration");
        assertThatThrownBy(() -> read("{\"keep_alive\":\"forever\"}", GenerateRequest.class))
                .isInstanceOf(ApiException.class).hasMessageStartingWith("keep_alive 'forever' is not a duration");
    }

    @Test
    void acceptsWhatOllamaAccepts() {
        ChatRequest r = read("""
                {"name":"old","options":{"top_k":2.0,"unknown":[1],"stop":"x"},"keep_alive":"1m","format":{"type":"object"},"extra":1}""",
                ChatRequest.class);
        assertThat(r.modelOrName()).isEqualTo("old");
        assertThat(r.options().topK()).isEqualTo(2);
        assertThat(r.options().stop()).containsExactly("x");
        assertThat(r.keepAlive().duration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(read("{\"keep_alive\":-1}", GenerateRequest.class).keepAlive().forever()).isTrue();
        assertThat(read("{\"keep_alive\":null}", GenerateRequest.class).keepAlive()).isNull();
    }

    @Test
    void responsesLeaveOutWhatIsAbsentAndKeepWhatTheWireNeeds() {
        assertThat(write(ChatResponse.piece("m", "hi"))).doesNotContain("duration").doesNotContain("done_reason")
                .contains("\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"done\":false");
        String done = write(ChatResponse.done("m", "", "stop", new Metrics(5L, 1L, 2, 3L, 4, 6L)));
        assertThat(done).endsWith("\"done\":true,\"done_reason\":\"stop\",\"total_duration\":5,\"load_duration\":1,"
                + "\"prompt_eval_count\":2,\"prompt_eval_duration\":3,\"eval_count\":4,\"eval_duration\":6}");
        OpenAi.Envelope e = new OpenAi.Envelope("id", 1, "m");
        ChatCompletionChunk first = OpenAi.toStreamChunks(e, ChatResponse.piece("m", "a"), true, false, false).getFirst();
        assertThat(write(first)).contains("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":null}]")
                .doesNotContain("usage");
        var last = OpenAi.toStreamChunks(e, ChatResponse.done("m", "", "length", new Metrics(1L, 0L, 2, 1L, 3, 1L)), false, true, false);
        assertThat(write(last.get(0))).contains("\"delta\":{},\"finish_reason\":\"length\"");
        assertThat(write(last.get(1))).contains("\"choices\":[]").contains("\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3,\"total_tokens\":5}");
        Completion piece = OpenAi.toCompletionChunks(e, ChatResponse.piece("m", "t"), false).getFirst();
        assertThat(write(piece)).contains("{\"index\":0,\"text\":\"t\",\"logprobs\":null,\"finish_reason\":null}");
    }
}
