package dev.bastion.api.tools;

/** What a tool call gave back, as the text a model reads in a {@code tool} message. */
public record ToolOutcome(boolean isError, String text) {

    public static ToolOutcome ok(String text) {
        return new ToolOutcome(false, text);
    }

    public static ToolOutcome error(String message) {
        return new ToolOutcome(true, message);
    }
}
