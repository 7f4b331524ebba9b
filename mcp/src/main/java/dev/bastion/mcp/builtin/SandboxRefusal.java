package dev.bastion.mcp.builtin;

/**
 * A call the sandbox refuses (a path that would leave the workspace, a command not on the allowlist, a cap reached).
 * The message is returned to the model and the client as the tool's error result: it names the rule, never a host
 * path or a file's content.
 */
public final class SandboxRefusal extends Exception {

    public SandboxRefusal(String message) {
        super(message, null, false, false);
    }
}
