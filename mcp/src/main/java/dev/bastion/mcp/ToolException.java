package dev.bastion.mcp;

/** A call that could not be made (an upstream down, a timeout). The message is shown to clients: no secrets, no paths. */
public class ToolException extends Exception {

    public ToolException(String message) {
        super(message);
    }

    public ToolException(String message, Throwable cause) {
        super(message, cause);
    }
}
