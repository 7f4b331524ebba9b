package dev.bastion.mcp;

/** Receives a long call's progress ({@code notifications/progress}); {@code total} and {@code message} may be null. */
@FunctionalInterface
public interface ProgressSink {

    ProgressSink NONE = (progress, total, message) -> { };

    void progress(double progress, Double total, String message);
}
