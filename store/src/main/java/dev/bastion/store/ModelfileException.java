package dev.bastion.store;

/** A Modelfile that cannot be parsed; the message names the line. */
public final class ModelfileException extends IllegalArgumentException {
    private final int lineNumber;

    public ModelfileException(int lineNumber, String message) {
        super(lineNumber > 0 ? "Modelfile line " + lineNumber + ": " + message : "Modelfile: " + message);
        this.lineNumber = lineNumber;
    }

    /** 1-based; 0 when the problem is not on one line (such as a missing FROM). */
    public int lineNumber() {
        return lineNumber;
    }
}
