package dev.bastion.api;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCall;
import dev.bastion.engine.toolcall.ToolCallParser;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/** Runs generations and embeddings on scheduled models, telling the {@link GenerationListener}; every API goes through here. */
final class Generations {

    /**
     * @param content the reply's text without its tool calls (all of it when no tools were offered)
     * @param toolCalls the calls the reply made, each with an id
     * @param creditsCharged what the listener charged, or null (not metered)
     */
    record Outcome(GenerationResult result, String content, List<ToolCall> toolCalls, long loadNanos, long totalNanos,
                   Long creditsCharged) {
        Outcome(GenerationResult result, long loadNanos, long totalNanos) {
            this(result, result.text(), List.of(), loadNanos, totalNanos, null);
        }
    }

    record Embeddings(List<float[]> vectors, int promptTokens, long loadNanos, long totalNanos, Long creditsCharged) {}

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
        return generate(call, new ReplySink() {
            @Override
            public void content(String text) {
                sink.accept(text);
            }

            @Override
            public void toolCall(ToolCall toolCall) {}
        }, cancel);
    }

    /**
     * Like {@link #generate(GenerationCall, TokenSink, CancellationToken)}; when the prompt offers tools, the reply is
     * parsed in the model's tool-call format as it streams: {@code sink} gets its text, and each call once complete.
     */
    Outcome generate(GenerationCall call, ReplySink sink, CancellationToken cancel) throws InterruptedException {
        long start = System.nanoTime();
        try (GenerationListener.Ticket ticket = listener.starting(call);
             ModelScheduler.Lease lease = scheduler.acquire(call.storedModel(), call.keepAlive())) {
            ModelRuntime runtime = lease.runtime();
            ReplyParts parts = new ReplyParts(call.prompt().tools().isEmpty() ? null
                    : new ToolCallParser(call.prompt().toolCallFormat(runtime)), sink);
            GenerationResult result;
            try {
                result = runtime.generate(call.prompt().render(runtime, templateLimits, cancel),
                        call.options().withCacheOwner(call.caller().cacheOwner()), parts::piece, cancel);
                parts.finish();
            } catch (CancellationException e) {
                result = new GenerationResult("", DoneReason.CANCELLED, 0, 0, 0, 0);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "prompt"); // the engine's account of a bad prompt
            }
            Long charged = ticket.finished(result);
            return new Outcome(result, parts.content.toString(), List.copyOf(parts.calls), lease.loadNanos(),
                    System.nanoTime() - start, charged);
        }
    }

    /** A reply's pieces split into text and tool calls (when a parser is given), passed on and kept. */
    private static final class ReplyParts {
        private final ToolCallParser parser;
        private final ReplySink sink;
        final StringBuilder content = new StringBuilder();
        final List<ToolCall> calls = new ArrayList<>();

        ReplyParts(ToolCallParser parser, ReplySink sink) {
            this.parser = parser;
            this.sink = sink;
        }

        void piece(String piece) {
            if (parser == null) {
                text(piece);
            } else {
                parser.feed(piece).forEach(this::event);
            }
        }

        void finish() {
            if (parser != null) parser.finish().forEach(this::event);
        }

        private void event(ToolCallParser.Event event) {
            switch (event) {
                case ToolCallParser.Text t -> text(t.text());
                case ToolCallParser.Call c -> {
                    ToolCall call = c.call().id() == null ? c.call().withId(ChatTools.newId()) : c.call();
                    calls.add(call);
                    sink.toolCall(call);
                }
            }
        }

        private void text(String text) {
            content.append(text);
            sink.content(text);
        }
    }

    /**
     * Embeds every input, after checking the caps: the number of inputs before the model is loaded, their total
     * tokens before the first vector is computed.
     */
    Embeddings embed(Caller caller, String model, KeepAlive keepAlive, List<String> inputs, EmbedLimits limits)
            throws InterruptedException {
        limits.checkInputs(inputs.size());
        long start = System.nanoTime();
        try (ModelScheduler.Lease lease = scheduler.acquire(model, keepAlive)) {
            ModelRuntime runtime = lease.runtime();
            long tokens = 0;
            for (String input : inputs) tokens += runtime.countTokens(input);
            limits.checkTokens(tokens);
            List<float[]> vectors;
            try {
                vectors = runtime.embedAll(inputs);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "input");
            }
            Long charged = listener.embedded(caller, model, inputs.size(), (int) tokens);
            return new Embeddings(vectors, (int) tokens, lease.loadNanos(), System.nanoTime() - start, charged);
        }
    }

    long preload(String model, KeepAlive keepAlive) throws InterruptedException {
        return scheduler.preload(model, keepAlive);
    }

    void unload(String model) {
        scheduler.unloadIfIdle(model);
    }
}
