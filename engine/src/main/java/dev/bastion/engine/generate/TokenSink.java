package dev.bastion.engine.generate;

/** Receives generated text as it is produced, in order; pieces are whole UTF-8 characters. */
@FunctionalInterface
public interface TokenSink {
    void accept(String textPiece);

    /**
     * Told each generated token's log probability (when {@link GenerationOptions#logprobs()} asks for them), before
     * the token's text reaches {@link #accept}; a stop string's tokens are reported though their text is not.
     */
    default void logprob(TokenLogprob logprob) {}

    TokenSink IGNORE = piece -> {};
}
