package dev.bastion.mcp.policy;

import dev.bastion.mcp.ToolUser;

import java.util.List;

/**
 * Decides whether a user may call a tool, from the rules that apply to the user. User rules are consulted first: if
 * any of the user's rules matches the tool, the user's rules decide (a matching deny wins over a matching allow);
 * only when none of them matches do the rules of the user's role decide the same way; when no rule matches, the call
 * is denied.
 */
public final class ToolPolicy {

    private final List<PolicyRule> userRules;
    private final List<PolicyRule> roleRules;

    private ToolPolicy(List<PolicyRule> userRules, List<PolicyRule> roleRules) {
        this.userRules = userRules;
        this.roleRules = roleRules;
    }

    /** The rules that concern {@code user}, picked out of all rules. */
    public static ToolPolicy forUser(ToolUser user, List<PolicyRule> rules) {
        List<PolicyRule> mine = rules.stream()
                .filter(r -> r.kind() == PolicyRule.Kind.USER && r.subject().equals(user.name())).toList();
        List<PolicyRule> role = rules.stream()
                .filter(r -> r.kind() == PolicyRule.Kind.ROLE && r.subject().equals(user.role().id())).toList();
        return new ToolPolicy(mine, role);
    }

    /** @param fullName a full name as {@link dev.bastion.mcp.ToolNames.Parsed#full()} gives it */
    public boolean allows(String fullName) {
        Boolean byUser = decide(userRules, fullName);
        if (byUser != null) return byUser;
        Boolean byRole = decide(roleRules, fullName);
        return byRole != null && byRole;
    }

    /** True (allowed), false (denied) or null (no rule matches). */
    private static Boolean decide(List<PolicyRule> rules, String fullName) {
        boolean allowed = false;
        for (PolicyRule rule : rules) {
            if (!rule.matches(fullName)) continue;
            if (rule.effect() == PolicyRule.Effect.DENY) return false;
            allowed = true;
        }
        return allowed ? Boolean.TRUE : null;
    }
}
