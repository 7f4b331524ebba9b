package dev.bastion.api;

import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.Logprob;
import dev.bastion.engine.generate.TokenLogprob;
import dev.bastion.engine.generate.TokenSink;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns a generation's text pieces and token log probabilities into reply pieces: a thinking model's reasoning split
 * from its content, each piece carrying the log probabilities of the tokens that arrived with it.
 */
final class ReplyPieces {

    private final String model;
    private final Consumer<ChatResponse> out;
    private final List<Logprob> pending = new ArrayList<>();
    private ThinkingSplitter splitter;
    private boolean promptOpenedThinking;

    /** @param out where streamed pieces go; null for a whole reply, whose pieces are not sent */
    ReplyPieces(String model, Consumer<ChatResponse> out) {
        this.model = model;
        this.out = out;
    }

    /** The sink for the rendered prompt: splitting reasoning off when the prompt asks the model to think. */
    TokenSink sinkFor(Prompt.Rendered rendered) {
        promptOpenedThinking = rendered.thinking() && ThinkingSplitter.opens(rendered.text());
        splitter = rendered.thinking() ? new ThinkingSplitter(promptOpenedThinking) : null;
        return new TokenSink() {
            @Override
            public void accept(String piece) {
                if (out != null) emit(splitter == null ? new ThinkingSplitter.Split("", piece) : splitter.add(piece));
            }

            @Override
            public void logprob(TokenLogprob logprob) {
                pending.add(Logprob.of(logprob));
            }
        };
    }

    boolean promptOpenedThinking() {
        return promptOpenedThinking;
    }

    /** Sends what the splitter held back at the end of the reply. */
    void flush() {
        if (splitter != null && out != null) emit(splitter.flush());
    }

    /** The log probabilities no piece has carried yet (all of them when nothing streams). */
    List<Logprob> takeLogprobs() {
        List<Logprob> taken = List.copyOf(pending);
        pending.clear();
        return taken;
    }

    private void emit(ThinkingSplitter.Split split) {
        if (split.isEmpty()) return;
        out.accept(ChatResponse.piece(model, split.content(), split.thinking().isEmpty() ? null : split.thinking(), takeLogprobs()));
    }
}
