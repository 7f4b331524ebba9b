package dev.bastion.cli;

import dev.bastion.mcp.policy.PolicyRule;
import dev.bastion.mcp.policy.ToolPolicyStore;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion mcp policy list|allow|deny|remove}: the tool policy's rules. */
@Command(name = "policy", description = "Tool policy: allow or deny full tool names (namespace__tool, '*' patterns) per role or user.",
        mixinStandardHelpOptions = true,
        subcommands = {McpPolicyCommand.List.class, McpPolicyCommand.Allow.class, McpPolicyCommand.Deny.class,
                McpPolicyCommand.Remove.class})
public final class McpPolicyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Exactly one of {@code --role} and {@code --user}. */
    static final class Subject {
        @Option(names = "--role", paramLabel = "ROLE", required = true, description = "admin or user")
        String role;
        @Option(names = "--user", paramLabel = "NAME", required = true)
        String user;

        PolicyRule rule(String pattern, PolicyRule.Effect effect) {
            return role != null ? PolicyRule.of(PolicyRule.Kind.ROLE, role, pattern, effect)
                    : PolicyRule.of(PolicyRule.Kind.USER, user, pattern, effect);
        }
    }

    @Command(name = "list", description = "List the rules.")
    static final class List extends SecurityCommand {
        @Override
        int run() {
            java.util.List<PolicyRule> rules = new ToolPolicyStore(home.openSecurity().database()).list();
            out().printf("%-5s %-16s %-6s %s%n", "KIND", "SUBJECT", "EFFECT", "PATTERN");
            for (PolicyRule rule : rules) {
                out().printf("%-5s %-16s %-6s %s%n", rule.kind().id(), rule.subject(), rule.effect().id(), rule.pattern());
            }
            return 0;
        }
    }

    abstract static class Change extends SecurityCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Subject subject;
        @Parameters(paramLabel = "PATTERN", description = "a full tool name, '*' matching any characters (e.g. files__*)")
        String pattern;

        int add(PolicyRule.Effect effect) {
            PolicyRule rule = subject.rule(pattern, effect);
            SecurityServices services = home.openSecurity();
            if (rule.kind() == PolicyRule.Kind.USER && services.users().find(rule.subject()).isEmpty()) {
                throw new IllegalArgumentException("no user named '" + rule.subject() + "'");
            }
            if (!new ToolPolicyStore(services.database()).add(rule)) {
                out().println("rule already present: " + describe(rule));
                return 0;
            }
            audit(services, "tool.policy.add", rule.pattern(), Map.of("kind", rule.kind().id(), "subject",
                    rule.subject(), "effect", rule.effect().id()));
            out().println("added: " + describe(rule));
            return 0;
        }
    }

    @Command(name = "allow", description = "Allow tools matching PATTERN to a role or a user.")
    static final class Allow extends Change {
        @Override
        int run() {
            return add(PolicyRule.Effect.ALLOW);
        }
    }

    @Command(name = "deny", description = "Deny tools matching PATTERN to a role or a user.")
    static final class Deny extends Change {
        @Override
        int run() {
            return add(PolicyRule.Effect.DENY);
        }
    }

    @Command(name = "remove", description = "Remove one rule.")
    static final class Remove extends Change {
        @Option(names = "--effect", required = true, paramLabel = "allow|deny")
        String effect;

        @Override
        int run() {
            PolicyRule rule = subject.rule(pattern, PolicyRule.Effect.parse(effect));
            SecurityServices services = home.openSecurity();
            if (!new ToolPolicyStore(services.database()).remove(rule)) {
                err().println("error: no such rule: " + describe(rule));
                return 1;
            }
            audit(services, "tool.policy.remove", rule.pattern(), Map.of("kind", rule.kind().id(), "subject",
                    rule.subject(), "effect", rule.effect().id()));
            out().println("removed: " + describe(rule));
            return 0;
        }
    }

    static String describe(PolicyRule rule) {
        return rule.effect().id() + " " + rule.pattern() + " to " + rule.kind().id() + " " + rule.subject();
    }
}
