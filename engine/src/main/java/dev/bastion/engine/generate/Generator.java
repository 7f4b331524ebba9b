package dev.bastion.engine.generate;

import dev.bastion.engine.grammar.TokenConstraint;
import dev.bastion.engine.grammar.TokenTrie;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.sampling.Sampler;
import dev.bastion.engine.tokenizer.StreamingDecoder;
import dev.bastion.engine.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The generation loop: prefill the prompt, then sample, stream and feed back one token at a time until EOS, a stop
 * string, {@code maxTokens}, the context length or cancellation. Thread-safe: every call has its own state.
 */
public final class Generator {

    /** The context used when the caller asks for the model's default (num_ctx 0) and the model allows more. */
    public static final int DEFAULT_CONTEXT_LIMIT = 4096;
    /** Prompt tokens prefilled between cancellation checks: a multiple of the model's batch, so batching is unchanged. */
    static final int PREFILL_CHUNK = 256;

    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> eosTokenIds;
    private final SessionCache sessions;
    /** The vocabulary as a byte trie for grammar constraints, built on first use. */
    private volatile TokenTrie tokenTrie;

    public Generator(LanguageModel model, Tokenizer tokenizer, Set<Integer> eosTokenIds) {
        this(model, tokenizer, eosTokenIds, null);
    }

    /**
     * With {@code sessions} (null: none), a generation whose options name a {@link GenerationOptions#cacheOwner()}
     * starts from that owner's cached KV state sharing the longest prefix with its prompt, and leaves its own there.
     * The model must forget what a state held beyond a position it runs again (as {@code LlamaModel} does).
     */
    public Generator(LanguageModel model, Tokenizer tokenizer, Set<Integer> eosTokenIds, SessionCache sessions) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.eosTokenIds = Set.copyOf(eosTokenIds);
        this.sessions = sessions;
    }

    public Set<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /**
     * The KV cache size a generation with {@code options} uses. Like Ollama, a num_ctx beyond the model's positions is
     * capped to them: positions it was never trained on give garbage, and a client must not size the server's buffers.
     */
    public int contextLength(GenerationOptions options) {
        int positions = model.config().maxPositionEmbeddings();
        return options.contextLength() > 0 ? Math.min(options.contextLength(), positions)
                : Math.min(positions, DEFAULT_CONTEXT_LIMIT);
    }

    /**
     * Generates a continuation of {@code prompt} (already tokenized, BOS included if wanted).
     *
     * @throws IllegalArgumentException if the prompt is empty or longer than the context
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(cancel, "cancel");
        int context = contextLength(options);
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: there is no token to start from");
        int given = prompt.length;
        if (prompt.length > context || (options.truncate() && prompt.length >= context)) {
            if (!options.truncate()) {
                String limit = context < options.contextLength() ? context + " positions, the model's maximum"
                        : context + " (num_ctx); shorten the prompt or raise num_ctx";
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the context holds only " + limit);
            }
            prompt = truncated(prompt, context, options.numKeep());
        }
        int vocab = model.config().vocabSize();
        for (int token : prompt) {
            if (token < 0 || token >= vocab) throw new IllegalArgumentException("prompt token id " + token + " is outside the vocabulary [0, " + vocab + ")");
        }

        if (cancel.isCancelled()) return new GenerationResult("", DoneReason.CANCELLED, prompt.length, 0, 0, 0);

        String owner = sessions == null ? null : options.cacheOwner();
        SessionCache.Checkout checkout = owner == null ? null : sessions.take(owner, context, prompt);
        Sequence seq = new Sequence(checkout == null ? model.newState(context) : checkout.state(), context, prompt,
                checkout == null ? 0 : checkout.reused());
        // Kept only after a clean end (cancellation included); a failure may have left the state half-written.
        GenerationResult result = run(seq, options, sink, cancel);
        if (owner != null) sessions.put(owner, seq.state, Arrays.copyOf(seq.tokens, seq.fed));
        return new GenerationResult(result.text(), result.doneReason(), result.promptTokens(), result.generatedTokens(),
                result.promptEvalNanos(), result.evalNanos(), result.cachedTokens(), given - prompt.length,
                Arrays.copyOf(seq.tokens, seq.length));
    }

    /**
     * Ollama's prompt truncation: keep the first {@code numKeep} tokens (all when negative), then drop the oldest after
     * them so that about half of what is not kept stays free for the reply.
     */
    static int[] truncated(int[] prompt, int context, int numKeep) {
        int keep = numKeep < 0 ? prompt.length : numKeep;
        keep = Math.max(0, Math.min(keep, context - 1));
        int limit = context <= 1 ? 1 : context - Math.max((context - keep) / 2, 1);
        keep = Math.min(keep, limit);
        int[] out = new int[limit];
        System.arraycopy(prompt, 0, out, 0, keep);
        System.arraycopy(prompt, prompt.length - (limit - keep), out, keep, limit - keep);
        return out;
    }

    /** The tokens of one generation and how many of them the state holds. */
    private static final class Sequence {
        final InferenceState state;
        final int[] tokens;
        final int promptLength;
        final int reused;
        int length;
        int fed;

        Sequence(InferenceState state, int context, int[] prompt, int reused) {
            this.state = state;
            this.tokens = Arrays.copyOf(prompt, context);
            this.promptLength = prompt.length;
            this.reused = reused;
            this.length = prompt.length;
            this.fed = reused;
        }
    }

    private GenerationResult run(Sequence seq, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        int context = seq.tokens.length;
        long prefillStart = System.nanoTime();
        float[] logits = null;
        // Prefill what the reused cache does not hold; the model overwrites whatever it held from there on.
        while (seq.fed < seq.promptLength) {
            if (cancel.isCancelled()) {
                return new GenerationResult("", DoneReason.CANCELLED, seq.promptLength, 0, System.nanoTime() - prefillStart, 0, seq.reused);
            }
            int end = Math.min(seq.promptLength, seq.fed + PREFILL_CHUNK);
            logits = model.prefill(seq.state, Arrays.copyOfRange(seq.tokens, seq.fed, end), seq.fed);
            seq.fed = end;
        }
        long prefillNanos = System.nanoTime() - prefillStart;

        int tokenizerVocab = tokenizer.vocabSize();
        Sampler sampler = new Sampler(options.sampling());
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StopStringMatcher matcher = new StopStringMatcher(options.stop());
        StringBuilder text = new StringBuilder();
        TokenConstraint constraint = options.grammar() == null ? null : new TokenConstraint(options.grammar(), tokenTrie(), eosTokenIds);
        int generated = 0;
        DoneReason reason;

        long decodeStart = System.nanoTime();
        while (true) {
            if (cancel.isCancelled()) {
                reason = DoneReason.CANCELLED;
                break;
            }
            if ((options.maxTokens() >= 0 && generated >= options.maxTokens()) || seq.length >= context) {
                reason = DoneReason.LENGTH;
                break;
            }
            // The last sampled token is fed only now, so a generation that ends does not pay for one more forward pass.
            if (generated > 0) {
                logits = model.forward(seq.state, seq.tokens[seq.length - 1], seq.length - 1);
                seq.fed = seq.length;
            }
            // Embedding rows padded beyond the tokenizer (common in released models) must never be sampled.
            if (logits.length > tokenizerVocab) Arrays.fill(logits, tokenizerVocab, logits.length, Float.NEGATIVE_INFINITY);
            // Structured output: nothing allowed means the output is complete and the model has no end token to say so.
            if (constraint != null && !constraint.restrict(logits)) {
                reason = DoneReason.STOP;
                break;
            }
            int token;
            try {
                token = sampler.sample(logits, seq.tokens, seq.length);
            } catch (IllegalArgumentException e) {
                // The logits come from the model, not the request; IllegalArgumentException would blame the prompt.
                throw new IllegalStateException("the model gave no finite logit at position " + seq.length
                        + " (broken weights or config): " + e.getMessage(), e);
            }
            if (eosTokenIds.contains(token)) {
                reason = DoneReason.STOP;
                break;
            }
            if (constraint != null) constraint.accept(token);
            // Reported for the tokens eval_count counts: the end-of-sequence token is not one.
            if (options.logprobs() >= 0) sink.logprob(logprob(logits, token, options.logprobs()));
            seq.tokens[seq.length++] = token;
            generated++;
            emit(matcher.append(decoder.next(token)), text, sink);
            if (matcher.stopped()) {
                reason = DoneReason.STOP;
                break;
            }
        }
        if (!matcher.stopped()) {
            String tail = matcher.append(decoder.flush());
            emit(matcher.stopped() ? tail : tail + matcher.flush(), text, sink);
        }
        long decodeNanos = System.nanoTime() - decodeStart;
        return new GenerationResult(text.toString(), matcher.stopped() ? DoneReason.STOP : reason, seq.promptLength, generated,
                prefillNanos, decodeNanos, seq.reused);
    }

    /** The log-softmax of the (unpenalized) logits at {@code token}, and at the {@code top} most likely tokens. */
    private TokenLogprob logprob(float[] logits, int token, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) if (l > max) max = l;
        double sum = 0;
        for (float l : logits) if (!Float.isNaN(l)) sum += Math.exp(l - max);
        double logSum = max + Math.log(sum);
        List<TokenLogprob> alternatives = new ArrayList<>(top);
        if (top > 0) {
            // A bounded selection: top is at most 20, so k passes over the vocabulary cost less than sorting it.
            BitSet taken = new BitSet(logits.length);
            for (int k = 0; k < Math.min(top, logits.length); k++) {
                int best = -1;
                for (int i = 0; i < logits.length; i++) {
                    if (!taken.get(i) && !Float.isNaN(logits[i]) && (best < 0 || logits[i] > logits[best])) best = i;
                }
                if (best < 0 || logits[best] == Float.NEGATIVE_INFINITY) break;
                taken.set(best);
                alternatives.add(new TokenLogprob(best, tokenizer.decode(new int[] {best}), logits[best] - logSum, List.of()));
            }
        }
        return new TokenLogprob(token, tokenizer.decode(new int[] {token}), logits[token] - logSum, alternatives);
    }

    private TokenTrie tokenTrie() {
        TokenTrie trie = tokenTrie;
        if (trie == null) {
            // Racing first uses build the same trie twice at worst.
            trie = TokenTrie.of(tokenizer);
            tokenTrie = trie;
        }
        return trie;
    }

    private static void emit(String piece, StringBuilder text, TokenSink sink) {
        if (piece.isEmpty()) return;
        text.append(piece);
        sink.accept(piece);
    }
}
