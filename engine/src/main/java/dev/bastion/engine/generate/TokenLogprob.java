package dev.bastion.engine.generate;

import java.util.List;

/**
 * A generated token's log probability under the model's distribution (log-softmax of its logits, before sampling
 * penalties and temperature, as Ollama reports it), with the most likely alternatives when asked for.
 *
 * @param top the most likely tokens at this position, most likely first; empty when not asked for
 */
public record TokenLogprob(int id, String token, double logprob, List<TokenLogprob> top) {

    public TokenLogprob {
        top = List.copyOf(top);
    }
}
