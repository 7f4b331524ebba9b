package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.SessionCache;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.RenderLimits;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in model: it answers with the words of the prompt reversed, repeated up to maxTokens
 * (default 8), one word per token, waiting {@code tokenDelayMillis} before each.
 */
final class FakeRuntime implements ModelRuntime {

    final String name;
    final long tokenDelayMillis;
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final List<GenerationResult> results = new CopyOnWriteArrayList<>();
    final List<String> prompts = new CopyOnWriteArrayList<>();
    final List<String> cacheOwners = new CopyOnWriteArrayList<>();
    volatile SessionCache.Limits sessionLimits;
    /** When >= 0, generation fails with an internal error after this many tokens. */
    volatile int failAfter = -1;

    FakeRuntime(String name, long tokenDelayMillis) {
        this.name = name;
        this.tokenDelayMillis = tokenDelayMillis;
    }

    @Override
    public ModelConfig config() {
        return new ModelConfig(Architecture.LLAMA, 8, 16, 1, 2, 1, 4, 64, 128, 1e-5f, 10000f, null, false, false, 1, List.of(2));
    }

    @Override
    public String renderChat(List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) sb.append('<').append(m.role()).append('>').append(m.content()).append('\n');
        return sb.append("<assistant>").toString();
    }

    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        if (closed.get()) throw new IllegalStateException("runtime " + name + " used after close");
        prompts.add(prompt);
        cacheOwners.add(String.valueOf(options.cacheOwner()));
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        try {
            String[] words = prompt.replaceAll("<[a-z]+>", " ").trim().split("\\s+");
            int max = options.maxTokens() < 0 ? 8 : options.maxTokens();
            StringBuilder text = new StringBuilder();
            int generated = 0;
            DoneReason reason = DoneReason.LENGTH;
            while (generated < max) {
                if (cancel.isCancelled()) {
                    reason = DoneReason.CANCELLED;
                    break;
                }
                if (tokenDelayMillis > 0) {
                    try {
                        Thread.sleep(tokenDelayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        reason = DoneReason.CANCELLED;
                        break;
                    }
                }
                if (generated == failAfter) throw new IllegalStateException("kernel exploded at /secret/path");
                String piece = (generated == 0 ? "" : " ") + words[words.length - 1 - generated % words.length];
                if (options.stop().stream().anyMatch(piece::contains)) {
                    reason = DoneReason.STOP;
                    break;
                }
                text.append(piece);
                sink.accept(piece);
                generated++;
            }
            GenerationResult r = new GenerationResult(text.toString(), reason, countTokens(prompt), generated, 1000, 2000);
            results.add(r);
            return r;
        } finally {
            running.decrementAndGet();
        }
    }

    @Override
    public int countTokens(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    @Override
    public float[] embed(String text) {
        return dev.bastion.engine.generate.Vectors.normalized(raw(text));
    }

    /** The raw vector: character codes summed into 4 buckets. */
    static float[] raw(String text) {
        float[] v = new float[4];
        for (int i = 0; i < text.length(); i++) v[i % 4] += text.charAt(i);
        return v;
    }

    /** One token per word; beyond the 128 positions, the first 128 words (truncate) or Ollama's error. */
    @Override
    public List<float[]> embedAll(List<String> texts, boolean truncate, boolean normalize) {
        int limit = config().maxPositionEmbeddings();
        return texts.stream().map(text -> {
            String[] words = text.strip().split("\\s+");
            if (words.length > limit) {
                if (!truncate) throw new IllegalArgumentException("the input length exceeds the context length");
                text = String.join(" ", java.util.Arrays.copyOf(words, limit));
            }
            return normalize ? embed(text) : raw(text);
        }).toList();
    }

    /** A model named "*fim*" has Qwen2.5-Coder's FIM tokens, one named "*codellama*" CodeLlama's. */
    @Override
    public boolean hasToken(String token) {
        return (name.contains("fim") && token.matches("<\\|fim_(prefix|suffix|middle)\\|>"))
                || (name.contains("codellama") && token.matches("<(PRE|SUF|MID)>"));
    }

    @Override
    public void limitSessions(SessionCache.Limits limits) {
        sessionLimits = limits;
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
