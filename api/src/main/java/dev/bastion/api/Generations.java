package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.template.RenderLimits;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/** Runs generations and embeddings on scheduled models; shared by the Ollama and OpenAI routes. */
final class Generations {

    record Outcome(GenerationResult result, long loadNanos, long totalNanos) {}

    record Embeddings(List<float[]> vectors, int promptTokens, long loadNanos, long totalNanos) {}

    /** Builds the prompt on the leased model, within the server's template render limits and the request's cancellation. */
    @FunctionalInterface
    interface Prompt {
        String render(ModelRuntime runtime, RenderLimits limits, CancellationToken cancel);
    }

    private final ModelScheduler scheduler;
    private final RenderLimits templateLimits;

    Generations(ModelScheduler scheduler, RenderLimits templateLimits) {
        this.scheduler = scheduler;
        this.templateLimits = templateLimits;
    }

    /**
     * Renders the prompt and generates on a slot of {@code model}; the slot is released however that ends. A render
     * cancelled (the client went away) ends as a cancelled generation of nothing.
     */
    Outcome generate(String model, KeepAlive keepAlive, Prompt prompt, GenerationOptions options,
                     TokenSink sink, CancellationToken cancel) throws InterruptedException {
        long start = System.nanoTime();
        try (ModelScheduler.Lease lease = scheduler.acquire(model, keepAlive)) {
            ModelRuntime runtime = lease.runtime();
            GenerationResult result;
            try {
                result = runtime.generate(prompt.render(runtime, templateLimits, cancel), options, sink, cancel);
            } catch (CancellationException e) {
                result = new GenerationResult("", DoneReason.CANCELLED, 0, 0, 0, 0);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "prompt"); // the engine's account of a bad prompt
            }
            return new Outcome(result, lease.loadNanos(), System.nanoTime() - start);
        }
    }

    Embeddings embed(String model, KeepAlive keepAlive, List<String> inputs) throws InterruptedException {
        long start = System.nanoTime();
        try (ModelScheduler.Lease lease = scheduler.acquire(model, keepAlive)) {
            List<float[]> vectors = new ArrayList<>();
            int tokens = 0;
            for (String input : inputs) {
                try {
                    vectors.add(lease.runtime().embed(input));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(e.getMessage(), "input");
                }
                tokens += lease.runtime().countTokens(input);
            }
            return new Embeddings(vectors, tokens, lease.loadNanos(), System.nanoTime() - start);
        }
    }

    long preload(String model, KeepAlive keepAlive) throws InterruptedException {
        return scheduler.preload(model, keepAlive);
    }

    void unload(String model) {
        scheduler.unloadIfIdle(model);
    }
}
