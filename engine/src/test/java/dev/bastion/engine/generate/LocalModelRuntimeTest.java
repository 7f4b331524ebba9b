package dev.bastion.engine.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LocalModelRuntimeTest {

    @TempDir
    static Path tmp;
    /** Byte-level BPE, ChatML template, add_bos_token false. */
    private static LocalModelRuntime qwen;
    /** SentencePiece, Llama 2 template, add_bos_token true. */
    private static LocalModelRuntime llama;
    private static Tokenizer qwenTokenizer;
    private static Tokenizer llamaTokenizer;

    @BeforeAll
    static void load() throws IOException {
        Path qwenDir = TinyModelFixture.tinyModel(tmp.resolve("qwen"), Architecture.QWEN2);
        Path llamaDir = TinyModelFixture.tinyModel(tmp.resolve("llama"), Architecture.LLAMA);
        qwen = LocalModelRuntime.load(qwenDir);
        llama = LocalModelRuntime.load(llamaDir);
        qwenTokenizer = Tokenizer.load(qwenDir.resolve("tokenizer.json"));
        llamaTokenizer = Tokenizer.load(llamaDir.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        qwen.close();
        llama.close();
    }

    @Test
    void q8FormatQuantizesTheWeightsItIsGiven() throws IOException {
        // Hidden 64 and intermediate 128: every projection splits into 32-weight blocks, so all of them quantize.
        Path dir = TinyModelFixture.model(tmp.resolve("q8"), Architecture.LLAMA,
                new TinyModelSpec(64, 128, 2, 4, 2, 0, DType.BF16, false, false, 1));
        try (LocalModelRuntime exact = LocalModelRuntime.load(dir);
             LocalModelRuntime q8 = LocalModelRuntime.load(dir, WeightFormat.Q8_0)) {
            float[] a = exact.embed("hello world");
            float[] b = q8.embed("hello world");
            float worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            assertThat(worst).as("Q8_0 changes the hidden states a little").isGreaterThan(1e-5f).isLessThan(0.25f);
        }
    }

    private static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(SamplerOptions.GREEDY, maxTokens, 0, List.of());
    }

    @Test
    void chatMlModelsStopAtImEndAndUseTheirTemplate() {
        int imEnd = qwenTokenizer.tokenId("<|im_end|>").orElseThrow();
        assertThat(qwen.eosTokenIds()).contains(imEnd).containsAll(qwen.config().eosTokenIds());
        assertThat(qwen.renderChat(List.of(new ChatMessage("user", "hi"))))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void bosIsAddedOnlyWhenTheModelWantsItAndNeverTwice() {
        assertThat(qwen.countTokens("hello world")).isEqualTo(qwenTokenizer.encode("hello world").length);
        int bos = llamaTokenizer.tokenId("<s>").orElseThrow();
        assertThat(llama.tokenize("hello world")).startsWith(bos).hasSize(llamaTokenizer.encode("hello world").length + 1);
        assertThat(llama.tokenize("<s>hello world")).isEqualTo(llama.tokenize("hello world"));
        assertThat(llama.eosTokenIds()).contains(llamaTokenizer.tokenId("</s>").orElseThrow());
    }

    @Test
    void generateRendersTheSameAsTheGeneratorOnTheTokenizedPrompt() {
        String prompt = llama.renderChat(List.of(new ChatMessage("user", "Tell me a story")));
        GenerationResult result = llama.generate(prompt, greedy(12), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.promptTokens()).isEqualTo(llama.countTokens(prompt));
        assertThat(result.generatedTokens()).isBetween(1, 12);
        assertThat(llama.generate(prompt, greedy(12), TokenSink.IGNORE, new CancellationToken()).text()).isEqualTo(result.text());
    }

    @Test
    void concurrentGenerationsDoNotInterfere() throws Exception {
        String prompt = "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n";
        String expected = qwen.generate(prompt, greedy(16), TokenSink.IGNORE, new CancellationToken()).text();
        Callable<String> task = () -> qwen.generate(prompt, greedy(16), TokenSink.IGNORE, new CancellationToken()).text();
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<String>> futures = pool.invokeAll(List.of(task, task, task));
            for (Future<String> f : futures) assertThat(f.get()).isEqualTo(expected);
        }
    }

    @Test
    void embeddingsAreNormalizedAndDependOnTheText() {
        float[] a = qwen.embed("the cat sat");
        float[] again = qwen.embed("the cat sat");
        float[] b = qwen.embed("quantum physics");
        assertThat(a).hasSize(qwen.config().hiddenSize()).isEqualTo(again);
        double norm = 0;
        for (float v : a) norm += v * v;
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
        assertThat(b).isNotEqualTo(a);
        assertThatThrownBy(() -> qwen.embed("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void embeddingManyTextsReusesOneStateAndGivesTheSameVectors() throws IOException {
        List<float[]> all = qwen.embedAll(List.of("the cat sat", "quantum physics"));
        assertThat(all.get(0)).isEqualTo(qwen.embed("the cat sat"));
        assertThat(all.get(1)).isEqualTo(qwen.embed("quantum physics"));
        assertThatThrownBy(() -> qwen.embedAll(List.of("x", ""))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        // Counted, not measured: allocation totals vary with the JIT and failed clean CI runs twice.
        List<String> texts = java.util.Collections.nCopies(64, "the cat sat");
        long before = qwen.embeddingStatesAllocated();
        List<float[]> shared = qwen.embedAll(texts);
        assertThat(qwen.embeddingStatesAllocated() - before).as("states for 64 texts embedded together").isEqualTo(1);
        before = qwen.embeddingStatesAllocated();
        texts.forEach(qwen::embed);
        assertThat(qwen.embeddingStatesAllocated() - before).as("states for 64 texts embedded one by one").isEqualTo(64);
        assertThat(shared).allSatisfy(v -> assertThat(v).isEqualTo(all.get(0)));
    }

    @Test
    void aPromptLongerThanTheContextIsRejectedWithoutTruncation() {
        GenerationOptions tiny = new GenerationOptions(SamplerOptions.GREEDY, 4, 4, List.of()).withTruncation(4, false);
        assertThatThrownBy(() -> qwen.generate("one two three four five six seven", tiny, TokenSink.IGNORE, new CancellationToken()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context holds only 4");
    }

    @Test
    void withoutTokenizerConfigTheChatMlFallbackIsUsed() throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve("bare"), Architecture.QWEN2);
        Files.delete(dir.resolve("tokenizer_config.json"));
        try (LocalModelRuntime bare = LocalModelRuntime.load(dir)) {
            assertThat(bare.renderChat(List.of(new ChatMessage("user", "x")))).contains("<|im_start|>user\nx<|im_end|>");
            assertThat(bare.eosTokenIds()).contains(qwenTokenizer.tokenId("<|im_end|>").orElseThrow());
        }
    }

    @Test
    void generationConfigCanAddEndOfTurnTokens() throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve("gen-config"), Architecture.QWEN2);
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [7, 9]}");
        try (LocalModelRuntime runtime = LocalModelRuntime.load(dir)) {
            assertThat(runtime.eosTokenIds()).contains(7, 9).containsAll(qwen.eosTokenIds());
        }
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"</s>\"}");
        assertThatThrownBy(() -> LocalModelRuntime.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("generation_config.json").hasMessageContaining("eos_token_id");
        Files.writeString(dir.resolve("generation_config.json"), "{oops");
        assertThatThrownBy(() -> LocalModelRuntime.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("generation_config.json: not valid JSON");
    }

    /** A BOS outside the vocabulary would fail every request as a bad prompt; the directory is at fault, at load. */
    @Test
    void aBosIdOutsideTheVocabularyIsRefusedAtLoad() throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve("bad-bos"), Architecture.LLAMA);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tokenizerConfig = (ObjectNode) json.readTree(dir.resolve("tokenizer_config.json").toFile());
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig.put("bos_token", "<not-a-token>"));
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        json.writeValue(dir.resolve("config.json").toFile(), config.put("bos_token_id", 100_000));
        assertThatThrownBy(() -> LocalModelRuntime.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("bos_token_id").hasMessageContaining("100000").hasMessageContaining("vocabulary");
    }

    @Test
    void brokenDirectoriesGiveClearErrors() throws IOException {
        assertThatThrownBy(() -> LocalModelRuntime.load(tmp.resolve("missing")))
                .isInstanceOf(IOException.class).hasMessageContaining("model directory not found").hasMessageContaining("missing");
        Path noTokenizer = TinyModelFixture.tinyModel(tmp.resolve("no-tokenizer"), Architecture.QWEN2);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertThatThrownBy(() -> LocalModelRuntime.load(noTokenizer)).hasMessageContaining("tokenizer.json");
    }
}
