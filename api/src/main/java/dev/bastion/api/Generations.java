package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Runs generations and embeddings on scheduled models; shared by the Ollama and OpenAI routes. */
final class Generations {

    record Outcome(GenerationResult result, long loadNanos, long totalNanos) {}

    record Embeddings(List<float[]> vectors, int promptTokens, long loadNanos, long totalNanos) {}

    private final ModelScheduler scheduler;

    Generations(ModelScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** {@code cacheOwner} (see {@link ServerConfig#cacheOwner}) is whose KV caches the generation may reuse. */
    Outcome generate(String cacheOwner, String model, KeepAlive keepAlive, Function<ModelRuntime, String> prompt,
                     GenerationOptions options, TokenSink sink, CancellationToken cancel) throws InterruptedException {
        long start = System.nanoTime();
        try (ModelScheduler.Lease lease = scheduler.acquire(model, keepAlive)) {
            ModelRuntime runtime = lease.runtime();
            GenerationResult result;
            try {
                result = runtime.generate(prompt.apply(runtime), options.withCacheOwner(cacheOwner), sink, cancel);
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
