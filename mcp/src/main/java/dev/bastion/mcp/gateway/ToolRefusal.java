package dev.bastion.mcp.gateway;

/**
 * A call the gateway would not run, with a message safe to show the caller. An unknown tool and one the caller's
 * policy hides are the same {@link Reason#UNKNOWN_TOOL} with the same message, so refusals reveal no hidden tool.
 */
public final class ToolRefusal extends Exception {

    public enum Reason {
        UNKNOWN_TOOL("denied"), INVALID_ARGUMENTS("invalid"), RATE_LIMITED("rate_limited"),
        AUDIT_UNAVAILABLE("failure"), INSUFFICIENT_CREDITS("insufficient_credits");

        /** The outcome the audit record carries. */
        final String outcome;

        Reason(String outcome) {
            this.outcome = outcome;
        }
    }

    private final Reason reason;

    ToolRefusal(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    static ToolRefusal unknownTool(String name) {
        return new ToolRefusal(Reason.UNKNOWN_TOOL, "Unknown tool: " + GatewayAudit.printable(name));
    }

    public Reason reason() {
        return reason;
    }
}
