package dev.bastion.engine.generate;

/** Why a generation ended; the names match Ollama's {@code done_reason}. */
public enum DoneReason {
    /** An end-of-sequence token or a stop string. */
    STOP,
    /** max tokens or the context length reached. */
    LENGTH,
    /** The caller cancelled (e.g. the client disconnected). */
    CANCELLED;

    public String wireName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
