package dev.bastion.engine.generate;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.TinyModelFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ollama's context-overflow behaviour: prompts and embedding inputs are cut to fit, keeping num_keep tokens. */
class PromptTruncationTest {

    @TempDir
    static Path tmp;
    /** SentencePiece with BOS added. */
    private static LocalModelRuntime llama;

    @BeforeAll
    static void load() throws IOException {
        llama = LocalModelRuntime.load(TinyModelFixture.tinyModel(tmp.resolve("llama"), Architecture.LLAMA));
    }

    @AfterAll
    static void close() {
        llama.close();
    }

    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    @Test
    void keepsNumKeepThenTheNewestLeavingHalfTheRestFree() {
        // Ollama: limit = ctx - max((ctx - keep) / 2, 1) = 20 - 8 = 12; keep 0..3, then the last 8
        int[] cut = Generator.truncated(range(50), 20, 4);
        assertThat(cut).containsExactly(0, 1, 2, 3, 42, 43, 44, 45, 46, 47, 48, 49);
        assertThat(Generator.truncated(range(50), 20, 0)).containsExactly(40, 41, 42, 43, 44, 45, 46, 47, 48, 49);
        assertThat(Generator.truncated(range(50), 20, -1)).as("num_keep -1 keeps as much of the start as fits")
                .containsExactly(Arrays.copyOf(range(50), 19));
        assertThat(Generator.truncated(range(5), 1, 4)).containsExactly(4);
    }

    @Test
    void aLongPromptIsCutInsteadOfRejectedAndTheReplyHasRoom() {
        String prompt = "one two three four five six seven eight nine ten ".repeat(6);
        int[] tokens = llama.tokenize(prompt);
        int context = 24;
        assertThat(tokens.length).isGreaterThan(context);
        GenerationOptions options = new GenerationOptions(SamplerOptions.GREEDY, 5, context, List.of());
        GenerationResult r = llama.generate(prompt, options, TokenSink.IGNORE, new CancellationToken());
        // BOS plus num_keep 4 kept: keep 5, limit 24 - (24 - 5) / 2 = 15
        int[] expected = Generator.truncated(tokens, context, 5);
        assertThat(expected).hasSize(15);
        assertThat(r.promptTokens()).isEqualTo(15);
        assertThat(r.droppedTokens()).isEqualTo(tokens.length - 15);
        assertThat(Arrays.copyOf(r.context(), 15)).containsExactly(expected);
        assertThat(r.context()[0]).as("BOS survives").isEqualTo(tokens[0]);
        assertThat(r.generatedTokens()).isEqualTo(5);
        assertThat(r.context()).hasSize(15 + 5);
    }

    @Test
    void aPromptThatFitsIsNotCutAndContextHoldsPromptAndReply() {
        String prompt = "one two three";
        GenerationResult r = llama.generate(prompt, new GenerationOptions(SamplerOptions.GREEDY, 3, 64, List.of()),
                TokenSink.IGNORE, new CancellationToken());
        int[] tokens = llama.tokenize(prompt);
        assertThat(r.droppedTokens()).isZero();
        assertThat(Arrays.copyOf(r.context(), tokens.length)).containsExactly(tokens);
        assertThat(r.context()).hasSize(tokens.length + r.generatedTokens());
        // Given back with more text, generation continues from exactly those tokens.
        GenerationResult next = llama.generate(r.context(), " four", new GenerationOptions(SamplerOptions.GREEDY, 2, 64, List.of()),
                TokenSink.IGNORE, new CancellationToken());
        int[] four = llama.tokenize(" four");
        int[] expected = Arrays.copyOf(r.context(), r.context().length + four.length - 1);
        System.arraycopy(four, 1, expected, r.context().length, four.length - 1);
        assertThat(Arrays.copyOf(next.context(), expected.length)).as("no second BOS").containsExactly(expected);
        assertThat(next.promptTokens()).isEqualTo(expected.length);
        assertThatThrownBy(() -> llama.generate(new int[] {1, -5}, "x", new GenerationOptions(SamplerOptions.GREEDY, 2, 64, List.of()),
                TokenSink.IGNORE, new CancellationToken())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }

    @Test
    void embeddingsKeepTheFirstTokensOrFailWithoutTruncation() {
        int positions = llama.config().maxPositionEmbeddings();
        String longText = "one two three four ".repeat(positions);
        String head = "one two three four ".repeat(positions / 4);
        assertThat(llama.tokenize(head).length).as("BOS plus four tokens per repeat").isGreaterThan(positions);
        float[] truncated = llama.embedAll(List.of(longText), true, true).getFirst();
        assertThat(truncated).containsExactly(llama.embedAll(List.of(head), true, true).getFirst());
        assertThat(truncated).isNotEqualTo(llama.embedAll(List.of("one two three four"), true, true).getFirst());
        assertThatThrownBy(() -> llama.embedAll(List.of(longText), false, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the input length exceeds the context length");
    }

    @Test
    void specialTokensAndTheChatTemplateSourceAreVisibleForCapabilityChecks() {
        assertThat(llama.hasToken("<s>")).isTrue();
        assertThat(llama.hasToken("<|fim_prefix|>")).isFalse();
        assertThat(llama.hasToken("<PRE>")).isFalse();
        assertThat(llama.chatTemplateSource()).contains("[INST]");
    }

    @Test
    void rawEmbeddingsAreTheUnnormalizedDirectionOfTheNormalizedOnes() {
        float[] raw = llama.embedAll(List.of("the cat sat"), false, false).getFirst();
        float[] unit = llama.embedAll(List.of("the cat sat"), false, true).getFirst();
        double norm = 0;
        for (float v : raw) norm += v * v;
        assertThat(Math.sqrt(norm)).isNotCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-3));
        assertThat(Vectors.normalized(raw)).containsExactly(unit);
    }
}
