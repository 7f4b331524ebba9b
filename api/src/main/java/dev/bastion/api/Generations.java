package dev.bastion.api;

import dev.bastion.api.types.Logprob;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.Generator;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenLogprob;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.generate.Vectors;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCall;
import dev.bastion.engine.toolcall.ToolCallParser;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/** Runs generations and embeddings on scheduled models, telling the {@link GenerationListener}; every API goes through here. */
final class Generations {

    private static final Logger LOG = LoggerFactory.getLogger(Generations.class);

    /**
     * @param content the reply's text without its tool calls (all of it when no tools were offered)
     * @param toolCalls the calls the reply made, each with an id
     * @param creditsCharged what the listener charged, or null (not metered)
     */
    record Outcome(GenerationResult result, String content, String thinking, List<Logprob> logprobs, List<ToolCall> toolCalls,
                   long loadNanos, long totalNanos, Long creditsCharged) {
        Outcome(GenerationResult result, long loadNanos, long totalNanos) {
            this(result, result.text(), "", List.of(), List.of(), loadNanos, totalNanos, null);
        }
    }

    /**
     * How inputs become vectors, as Ollama's endpoints do: {@code truncate} cuts an input to the context instead of
     * failing; {@code normalize} false gives raw vectors (legacy {@code /api/embeddings}); {@code dimensions} above 0
     * keeps that many leading entries, normalized again.
     */
    record EmbedMode(boolean truncate, boolean normalize, int dimensions) {}

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
                Prompt.Rendered rendered = call.prompt().render(runtime, call.model(), contextLength(runtime, call.options()),
                        templateLimits, cancel);
                if (rendered.droppedMessages() > 0) {
                    LOG.info("chat history over the context of {}: left out its {} oldest messages", call.storedModel(), rendered.droppedMessages());
                }
                if (rendered.thinking()) parts.splitThinking(ThinkingSplitter.opens(rendered.text()));
                GenerationOptions options = call.options().withCacheOwner(call.caller().cacheOwner());
                result = call.context().length == 0 ? runtime.generate(rendered.text(), options, parts, cancel)
                        : runtime.generate(call.context(), rendered.text(), options, parts, cancel);
                parts.finish();
                if (result.droppedTokens() > 0) {
                    LOG.info("prompt over the context of {}: cut {} tokens, kept {} (num_keep {})", call.storedModel(),
                            result.droppedTokens(), result.promptTokens(), call.options().numKeep());
                }
            } catch (CancellationException e) {
                result = new GenerationResult("", DoneReason.CANCELLED, 0, 0, 0, 0);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), "prompt"); // the engine's account of a bad prompt
            }
            Long charged = ticket.finished(result);
            return new Outcome(result, parts.content.toString(), parts.thinking.toString(), List.copyOf(parts.allLogprobs),
                    List.copyOf(parts.calls), lease.loadNanos(),
                    System.nanoTime() - start, charged);
        }
    }

    /** The positions the generation will have, as the engine sizes them (num_ctx, capped to the model's). */
    private static int contextLength(ModelRuntime runtime, GenerationOptions options) {
        int positions = runtime.config().maxPositionEmbeddings();
        return options.contextLength() > 0 ? Math.min(options.contextLength(), positions)
                : Math.min(positions, Generator.DEFAULT_CONTEXT_LIMIT);
    }

    /**
     * A reply's pieces split into reasoning (a thinking model's {@code <think>} block), text and tool calls (when a
     * parser is given), passed on with the log probabilities of their tokens, and kept.
     */
    private static final class ReplyParts implements TokenSink {
        private final ToolCallParser parser;
        private final ReplySink sink;
        private ThinkingSplitter splitter;
        final StringBuilder content = new StringBuilder();
        final StringBuilder thinking = new StringBuilder();
        final List<ToolCall> calls = new ArrayList<>();
        final List<Logprob> allLogprobs = new ArrayList<>();
        private final List<Logprob> pending = new ArrayList<>();

        ReplyParts(ToolCallParser parser, ReplySink sink) {
            this.parser = parser;
            this.sink = sink;
        }

        /** Splits the reasoning off the reply; {@code promptOpened}: the prompt ends inside it. */
        void splitThinking(boolean promptOpened) {
            splitter = new ThinkingSplitter(promptOpened);
        }

        @Override
        public void accept(String piece) {
            if (splitter == null) {
                piece(piece);
            } else {
                split(splitter.add(piece));
            }
        }

        @Override
        public void logprob(TokenLogprob logprob) {
            Logprob lp = Logprob.of(logprob);
            pending.add(lp);
            allLogprobs.add(lp);
        }

        private void split(ThinkingSplitter.Split s) {
            if (!s.thinking().isEmpty()) {
                thinking.append(s.thinking());
                sink.thinking(s.thinking(), takePending());
            }
            if (!s.content().isEmpty()) piece(s.content());
        }

        private void piece(String piece) {
            if (parser == null) {
                text(piece);
            } else {
                parser.feed(piece).forEach(this::event);
            }
        }

        void finish() {
            if (splitter != null) split(splitter.flush());
            if (parser != null) parser.finish().forEach(this::event);
            if (!pending.isEmpty()) sink.content("", takePending());
        }

        private List<Logprob> takePending() {
            List<Logprob> taken = List.copyOf(pending);
            pending.clear();
            return taken;
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
            sink.content(text, takePending());
        }
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
