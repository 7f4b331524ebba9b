package dev.bastion.mcp.builtin.docker;

/** A call the tool answers with an error result (bad arguments, no such container, not allowed): the model can retry. */
final class Refusal extends Exception {

    Refusal(String message) {
        super(message, null, false, false);
    }
}
