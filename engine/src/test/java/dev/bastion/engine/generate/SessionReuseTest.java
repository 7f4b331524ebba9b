package dev.bastion.engine.generate;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KV-cache reuse across the turns of a chat, on a real (tiny, random) Qwen2: every reusing run must give bit-identical
 * logits and text to a fresh prefill of the same prompt, and a cache never reaches another owner.
 */
class SessionReuseTest {

    private static final int CONTEXT = 256;

    @TempDir
    static Path dir;
    private static LlamaModel model;
    private static Tokenizer tokenizer;
    private static int[] firstPrompt;

    @BeforeAll
    static void generateModel() throws Exception {
        TinyModelFixture.tinyModel(dir, Architecture.QWEN2);
        model = LlamaModel.load(dir);
        tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        firstPrompt = tokenizer.encode("User: tell me about foxes.\nAssistant:");
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    /** Delegates to the model, recording the logits of every step and the tokens fed back by decode. */
    private static final class Recording extends DelegatingModel {
        final List<float[]> logits = new ArrayList<>();
        final List<Integer> decoded = new ArrayList<>();
        volatile int failAtDecode = -1;

        Recording() {
            super(model);
        }

        @Override
        public float[] prefill(InferenceState state, int[] tokens, int startPos) {
            return record(super.prefill(state, tokens, startPos));
        }

        @Override
        public float[] forward(InferenceState state, int token, int pos) {
            if (decoded.size() == failAtDecode) throw new IllegalStateException("injected failure");
            decoded.add(token);
            return record(super.forward(state, token, pos));
        }

        private float[] record(float[] out) {
            logits.add(out.clone());
            return out;
        }
    }

    private static SamplerOptions seeded(long seed) {
        return new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, seed);
    }

    private static GenerationOptions options(String owner, SamplerOptions sampling, int maxTokens) {
        return new GenerationOptions(sampling, maxTokens, CONTEXT, List.of(), owner);
    }

    private static GenerationResult run(Generator generator, int[] prompt, GenerationOptions options) {
        return generator.generate(prompt, options, TokenSink.IGNORE, new CancellationToken());
    }

    /** A fresh prefill of {@code prompt}: no cache at all. */
    private static Recording fresh(int[] prompt, GenerationOptions options, GenerationResult reusing) {
        Recording fresh = new Recording();
        GenerationResult expected = run(new Generator(fresh, tokenizer, Set.of()), prompt, options);
        assertThat(reusing.text()).isEqualTo(expected.text());
        assertThat(reusing.generatedTokens()).isEqualTo(expected.generatedTokens());
        assertThat(expected.cachedTokens()).isZero();
        return fresh;
    }

    private static void assertSameLogits(Recording actual, Recording expected) {
        assertThat(actual.logits).hasSameSizeAs(expected.logits);
        for (int i = 0; i < actual.logits.size(); i++) {
            assertThat(actual.logits.get(i)).as("logits of step %d", i).isEqualTo(expected.logits.get(i));
        }
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void theNextTurnReusesThePromptAndTheGeneratedAnswerWithIdenticalLogits() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Recording turn1 = new Recording();
        GenerationResult first = run(new Generator(turn1, tokenizer, Set.of(), sessions), firstPrompt, options("alice", seeded(1), 12));
        assertThat(first.cachedTokens()).isZero();
        // The last sampled token is never fed; the ones before it are in the cache with the prompt.
        int[] answer = turn1.decoded.stream().mapToInt(Integer::intValue).toArray();
        assertThat(answer).hasSize(11);

        int[] secondPrompt = concat(firstPrompt, answer, tokenizer.encode("\nUser: and wolves?\nAssistant:"));
        Recording turn2 = new Recording();
        GenerationOptions second = options("alice", seeded(2), 12);
        GenerationResult reused = run(new Generator(turn2, tokenizer, Set.of(), sessions), secondPrompt, second);

        assertThat(reused.cachedTokens()).isEqualTo(firstPrompt.length + answer.length);
        assertThat(reused.promptTokens()).isEqualTo(secondPrompt.length);
        assertSameLogits(turn2, fresh(secondPrompt, second, reused));
    }

    @Test
    void aPartialMatchCutsTheCacheBackAndOverwritesThePositionsBeyond() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Generator generator = new Generator(model, tokenizer, Set.of(), sessions);
        int[] longer = concat(firstPrompt, tokenizer.encode(" Foxes are small omnivores of the dog family."));
        run(generator, longer, options("alice", SamplerOptions.GREEDY, 8));

        // Shares 20 tokens, then diverges and ends before the cached sequence did: stale positions must not leak in.
        int[] edited = concat(Arrays.copyOf(longer, 20), tokenizer.encode("Wolves?"));
        assertThat(edited.length).isLessThan(longer.length);
        assertThat(edited[20]).isNotEqualTo(longer[20]);
        Recording recording = new Recording();
        GenerationOptions options = options("alice", seeded(3), 10);
        GenerationResult reused = run(new Generator(recording, tokenizer, Set.of(), sessions), edited, options);
        assertThat(reused.cachedTokens()).isEqualTo(20);
        assertSameLogits(recording, fresh(edited, options, reused));
    }

    @Test
    void theSamePromptAgainRunsOnlyItsLastTokenAndSamplingOptionsDoNotMatter() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        run(new Generator(model, tokenizer, Set.of(), sessions), firstPrompt, options("alice", SamplerOptions.GREEDY, 0));
        Recording recording = new Recording();
        GenerationOptions hotter = new GenerationOptions(new SamplerOptions(1.5f, 5, 0.9f, 0.05f, 1.2f, 16, 9L), 10,
                CONTEXT, List.of(), "alice");
        GenerationResult again = run(new Generator(recording, tokenizer, Set.of(), sessions), firstPrompt, hotter);
        assertThat(again.cachedTokens()).isEqualTo(firstPrompt.length - 1);
        assertSameLogits(recording, fresh(firstPrompt, hotter, again));
    }

    @Test
    void anotherOwnerNeverGetsTheCacheEvenWithTheIdenticalPrompt() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Generator generator = new Generator(model, tokenizer, Set.of(), sessions);
        run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4));

        GenerationResult bob = run(generator, firstPrompt, options("bob", SamplerOptions.GREEDY, 4));
        assertThat(bob.cachedTokens()).isZero();
        assertThat(sessions.owners()).containsExactly("alice", "bob");
        // Without an owner nothing is reused and nothing kept.
        assertThat(run(generator, firstPrompt, options(null, SamplerOptions.GREEDY, 4)).cachedTokens()).isZero();
        assertThat(sessions.size()).isEqualTo(2);
        // Alice's own state is still there for her.
        assertThat(run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4)).cachedTokens()).isPositive();
    }

    @Test
    void aDifferentContextLengthStartsAFreshCache() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Generator generator = new Generator(model, tokenizer, Set.of(), sessions);
        run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4));
        GenerationOptions smaller = new GenerationOptions(SamplerOptions.GREEDY, 4, CONTEXT / 2, List.of(), "alice");
        assertThat(run(generator, firstPrompt, smaller).cachedTokens()).isZero();
        assertThat(run(generator, firstPrompt, smaller).cachedTokens()).isPositive();
        assertThat(run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4)).cachedTokens()).isPositive();
    }

    @Test
    void aCachedStateIsCheckedOutExclusively() throws Exception {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Generator generator = new Generator(model, tokenizer, Set.of(), sessions);
        run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4));

        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TokenSink blocking = piece -> {
            streaming.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<GenerationResult> holder = CompletableFuture.supplyAsync(() ->
                generator.generate(firstPrompt, options("alice", SamplerOptions.GREEDY, 4), blocking, new CancellationToken()));
        assertThat(streaming.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            GenerationResult concurrent = run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 4));
            assertThat(concurrent.cachedTokens()).isZero();
        } finally {
            release.countDown();
        }
        assertThat(holder.get(10, TimeUnit.SECONDS).cachedTokens()).isPositive();
        assertThat(sessions.owners()).containsExactly("alice", "alice");
    }

    @Test
    void aFailedGenerationKeepsNoStateAndACancelledOneOnlyWhatItRan() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        Recording failing = new Recording();
        failing.failAtDecode = 3;
        Generator generator = new Generator(failing, tokenizer, Set.of(), sessions);
        assertThatThrownBy(() -> run(generator, firstPrompt, options("alice", SamplerOptions.GREEDY, 8)))
                .hasMessageContaining("injected failure");
        assertThat(sessions.size()).isZero();

        CancellationToken cancel = new CancellationToken();
        TokenSink cancelAfterTwo = new TokenSink() {
            int pieces;

            @Override
            public void accept(String piece) {
                if (++pieces == 2) cancel.cancel();
            }
        };
        Recording cancelled = new Recording();
        GenerationResult result = new Generator(cancelled, tokenizer, Set.of(), sessions)
                .generate(firstPrompt, options("alice", SamplerOptions.GREEDY, 8), cancelAfterTwo, cancel);
        assertThat(result.doneReason()).isEqualTo(DoneReason.CANCELLED);
        int[] ran = concat(firstPrompt, cancelled.decoded.stream().mapToInt(Integer::intValue).toArray());

        int[] next = concat(ran, tokenizer.encode(" more"));
        Recording recording = new Recording();
        GenerationOptions options = options("alice", seeded(4), 6);
        GenerationResult resumed = run(new Generator(recording, tokenizer, Set.of(), sessions), next, options);
        assertThat(resumed.cachedTokens()).isEqualTo(ran.length);
        assertSameLogits(recording, fresh(next, options, resumed));
    }

    @Test
    void theLimitsEvictTheLeastRecentlyUsedStates() {
        SessionCache sessions = new SessionCache(new SessionCache.Limits(2, Long.MAX_VALUE));
        Generator generator = new Generator(model, tokenizer, Set.of(), sessions);
        for (String owner : List.of("alice", "bob", "carol")) run(generator, firstPrompt, options(owner, SamplerOptions.GREEDY, 2));
        assertThat(sessions.owners()).containsExactly("bob", "carol");
        long one = sessions.bytes() / 2;
        assertThat(one).isPositive();

        // A checkout and return makes bob the most recent; a byte limit below two states keeps one.
        run(generator, firstPrompt, options("bob", SamplerOptions.GREEDY, 2));
        sessions.limit(new SessionCache.Limits(2, one + one / 2));
        assertThat(sessions.owners()).containsExactly("bob");
        assertThat(sessions.bytes()).isLessThanOrEqualTo(one + one / 2);

        sessions.limit(new SessionCache.Limits(2, one - 1));
        assertThat(sessions.size()).isZero();
        run(generator, firstPrompt, options("bob", SamplerOptions.GREEDY, 2));
        assertThat(sessions.size()).as("a state larger than the byte limit is not kept").isZero();

        sessions.limit(new SessionCache.Limits(0, Long.MAX_VALUE));
        run(generator, firstPrompt, options("bob", SamplerOptions.GREEDY, 2));
        assertThat(sessions.size()).isZero();
        assertThatThrownBy(() -> new SessionCache.Limits(-1, 0)).hasMessageContaining(">= 0");
    }

    @Test
    void unloadingTheRuntimeFreesItsCaches() throws Exception {
        LocalModelRuntime runtime = LocalModelRuntime.load(dir);
        String prompt = runtime.renderChat(List.of(new dev.bastion.engine.template.ChatMessage("user", "Hello")));
        GenerationOptions options = options("alice", SamplerOptions.GREEDY, 4);
        runtime.generate(prompt, options, TokenSink.IGNORE, new CancellationToken());
        assertThat(runtime.generate(prompt, options, TokenSink.IGNORE, new CancellationToken()).cachedTokens())
                .isEqualTo(runtime.countTokens(prompt) - 1);
        assertThat(runtime.sessions().bytes()).isPositive();
        runtime.close();
        assertThat(runtime.sessions().size()).isZero();
        assertThat(runtime.sessions().bytes()).isZero();
    }

    @Test
    void manyTurnsMatchFreshPrefillsTurnAfterTurn() {
        SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
        int[] history = firstPrompt;
        for (int turn = 0; turn < 4; turn++) {
            Recording recording = new Recording();
            GenerationOptions options = options("alice", seeded(turn), 5);
            GenerationResult result = run(new Generator(recording, tokenizer, Set.of(), sessions), history, options);
            assertSameLogits(recording, fresh(history, options, result));
            if (turn > 0) assertThat(result.cachedTokens()).isGreaterThan(history.length / 2);
            int[] answer = recording.decoded.stream().mapToInt(Integer::intValue).toArray();
            history = concat(history, answer, tokenizer.encode("\nUser: go on " + turn + "\nAssistant:"));
        }
    }
}
