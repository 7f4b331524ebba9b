package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.Generator;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.generate.Vectors;
import dev.bastion.engine.template.RenderLimits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CancellationException;

/** Runs generations and embeddings on scheduled models, telling the {@link GenerationListener}; every API goes through here. */
final class Generations {

    private static final Logger LOG = LoggerFactory.getLogger(Generations.class);

    /** @param thinking the reply opens with reasoning to split off (see {@link Prompt.Rendered#thinking()}) */
    record Outcome(GenerationResult result, long loadNanos, long totalNanos, boolean thinking) {}

    /** The sink for a generation, made once its prompt is rendered (a thinking reply is split as it streams). */
    interface SinkFactory {
        TokenSink sinkFor(Prompt.Rendered rendered);
    }

    /**
     * How inputs become vectors, as Ollama's endpoints do: {@code truncate} cuts an input to the context instead of
     * failing; {@code normalize} false gives raw vectors (legacy {@code /api/embeddings}); {@code dimensions} above 0
     * keeps that many leading entries, normalized again.
     */
    record EmbedMode(boolean truncate, boolean normalize, int dimensions) {}

    record Embeddings(List<float[]> vectors, int promptTokens, long loadNanos, long totalNanos) {}

    private final ModelScheduler scheduler;
    private final RenderLimits templateLimits;
    private final GenerationListener listener;

    Generations(ModelScheduler scheduler, RenderLimits templateLimits, GenerationListener listener) {
        this.scheduler = scheduler;
        this.templateLimits = templateLimits;
        this.listener = listener;
    }

    /**
     * Renders the prompt and generates on a slot of the call's model; the slot is released however that ends. A render
     * cancelled (the client went away) ends as a cancelled generation of nothing.
     */
    Outcome generate(GenerationCall call, TokenSink sink, CancellationToken cancel) throws InterruptedException {
        return generate(call, rendered -> sink, cancel);
    }

    Outcome generate(GenerationCall call, SinkFactory sinks, CancellationToken cancel) throws InterruptedException {
        long start = System.nanoTime();
        listener.starting(call);
        try (ModelScheduler.Lease lease = scheduler.acquire(call.storedModel(), call.keepAlive())) {
            ModelRuntime runtime = lease.runtime();
            GenerationResult result;
            boolean thinking = false;
            try {
                Prompt.Rendered rendered = call.prompt().render(runtime, call.model(), contextLength(runtime, call.options()),
                        templateLimits, cancel);
                thinking = rendered.thinking();
                if (rendered.droppedMessages() > 0) {
                    LOG.info("chat history over the context of {}: left out its {} oldest messages", call.storedModel(), rendered.droppedMessages());
                }
                GenerationOptions options = call.options().withCacheOwner(call.caller().cacheOwner());
                TokenSink sink = sinks.sinkFor(rendered);
                result = call.context().length == 0 ? runtime.generate(rendered.text(), options, sink, cancel)
                        : runtime.generate(call.context(), rendered.text(), options, sink, cancel);
                if (result.droppedTokens() > 0) {
                    LOG.info("prompt over the context of {}: cut {} tokens, kept {} (num_keep {})", call.storedModel(),
                            result.droppedTokens(), result.promptTokens(), call.options().numKeep());
                }
            } catch (CancellationException e) {
                result = new GenerationResult("", DoneReason.CANCELLED, 0, 0, 0, 0);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "prompt"); // the engine's account of a bad prompt
            }
            listener.finished(call, result);
            return new Outcome(result, lease.loadNanos(), System.nanoTime() - start, thinking);
        }
    }

    /** The positions the generation will have, as the engine sizes them (num_ctx, capped to the model's). */
    private static int contextLength(ModelRuntime runtime, GenerationOptions options) {
        int positions = runtime.config().maxPositionEmbeddings();
        return options.contextLength() > 0 ? Math.min(options.contextLength(), positions)
                : Math.min(positions, Generator.DEFAULT_CONTEXT_LIMIT);
    }

    /**
     * Embeds every input, after checking the caps: the number of inputs before the model is loaded, their total
     * tokens before the first vector is computed.
     */
    Embeddings embed(Caller caller, String model, KeepAlive keepAlive, List<String> inputs, EmbedLimits limits,
                     EmbedMode mode) throws InterruptedException {
        limits.checkInputs(inputs.size());
        long start = System.nanoTime();
        try (ModelScheduler.Lease lease = scheduler.acquire(model, keepAlive)) {
            ModelRuntime runtime = lease.runtime();
            long tokens = 0;
            int positions = runtime.config().maxPositionEmbeddings();
            int cut = 0;
            for (String input : inputs) {
                int count = runtime.countTokens(input);
                tokens += count;
                if (count > positions) cut++;
            }
            limits.checkTokens(tokens);
            if (cut > 0 && mode.truncate()) {
                LOG.info("{} of {} embedding inputs over the {} positions of {}: each keeps its first {} tokens", cut, inputs.size(),
                        positions, model, positions);
            }
            List<float[]> vectors;
            try {
                vectors = runtime.embedAll(inputs, mode.truncate(), mode.normalize()).stream()
                        .map(v -> Vectors.truncated(v, mode.dimensions())).toList();
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "input");
            }
            listener.embedded(caller, model, inputs.size(), (int) tokens);
            return new Embeddings(vectors, (int) tokens, lease.loadNanos(), System.nanoTime() - start);
        }
    }

    long preload(String model, KeepAlive keepAlive) throws InterruptedException {
        return scheduler.preload(model, keepAlive);
    }

    void unload(String model) {
        scheduler.unloadIfIdle(model);
    }
}
