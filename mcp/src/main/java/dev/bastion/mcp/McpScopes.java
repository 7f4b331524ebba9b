package dev.bastion.mcp;

import dev.bastion.security.Scope;

/**
 * The scope an API key needs to use tools ({@code /mcp}, {@code bastion mcp serve}, server-side tools in chat). Keys
 * do not get it by default: {@code bastion keys create --user NAME --scope models:use,tools:use}.
 */
public final class McpScopes {

    public static final Scope TOOLS_USE = Scope.define("tools:use");

    private McpScopes() {
    }

    /** Makes the scope known (issuable) in this process; idempotent. */
    public static Scope define() {
        return TOOLS_USE;
    }
}
