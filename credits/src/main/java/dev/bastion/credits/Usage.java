package dev.bastion.credits;

/** What one settled request used: its tokens (embeddings count prompt tokens only; a tool call counts none). */
public record Usage(long promptTokens, long generatedTokens) {

    public static final Usage NONE = new Usage(0, 0);

    public Usage {
        if (promptTokens < 0 || generatedTokens < 0) throw new IllegalArgumentException("negative token count");
    }
}
