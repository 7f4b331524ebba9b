package dev.bastion.engine.generate;

/** Receives generated text as it is produced, in order; pieces are whole UTF-8 characters. */
@FunctionalInterface
public interface TokenSink {
    void accept(String textPiece);

    TokenSink IGNORE = piece -> {};
}
