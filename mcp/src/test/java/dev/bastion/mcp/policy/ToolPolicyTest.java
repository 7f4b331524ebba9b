package dev.bastion.mcp.policy;

import dev.bastion.mcp.ToolUser;
import dev.bastion.security.Role;
import dev.bastion.security.db.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.bastion.mcp.policy.PolicyRule.Effect.ALLOW;
import static dev.bastion.mcp.policy.PolicyRule.Effect.DENY;
import static dev.bastion.mcp.policy.PolicyRule.Kind.ROLE;
import static dev.bastion.mcp.policy.PolicyRule.Kind.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolPolicyTest {

    @TempDir
    Path home;

    private static final ToolUser ALICE = new ToolUser(2, "alice", Role.USER, Path.of("/nonexistent"));
    private static final ToolUser ROOT = new ToolUser(1, "root", Role.ADMIN, Path.of("/nonexistent"));

    @Test
    void defaultsFromTheMigration() {
        ToolPolicyStore store = new ToolPolicyStore(Database.openHome(home));
        ToolPolicy alice = ToolPolicy.forUser(ALICE, store.list());
        assertThat(alice.allows("files__read")).isTrue();
        assertThat(alice.allows("files__delete")).isTrue();
        assertThat(alice.allows("shell__run")).isTrue();
        assertThat(alice.allows("shell__other")).isFalse();
        assertThat(alice.allows("docker__list")).isFalse();
        assertThat(alice.allows("github__search")).as("a new upstream is denied to users").isFalse();
        ToolPolicy root = ToolPolicy.forUser(ROOT, store.list());
        assertThat(root.allows("docker__list")).isTrue();
        assertThat(root.allows("github__search")).isTrue();
    }

    @Test
    void denyWinsAndUserRulesComeFirst() {
        List<PolicyRule> rules = List.of(
                PolicyRule.of(ROLE, "user", "files__*", ALLOW),
                PolicyRule.of(ROLE, "user", "files__delete", DENY),
                PolicyRule.of(ROLE, "user", "github__*", DENY),
                PolicyRule.of(USER, "alice", "github__search", ALLOW),
                PolicyRule.of(USER, "alice", "files__write", DENY),
                PolicyRule.of(USER, "bob", "*", ALLOW));
        ToolPolicy alice = ToolPolicy.forUser(ALICE, rules);
        assertThat(alice.allows("files__read")).isTrue();
        assertThat(alice.allows("files__delete")).as("deny wins among the role's rules").isFalse();
        assertThat(alice.allows("files__write")).as("the user's deny beats the role's allow").isFalse();
        assertThat(alice.allows("github__search")).as("the user's allow decides before the role's deny").isTrue();
        assertThat(alice.allows("github__issues")).isFalse();
        assertThat(alice.allows("echo__say")).as("bob's rule is not alice's").isFalse();
    }

    @Test
    void userAllowAndDenyOnTheSameToolDeny() {
        List<PolicyRule> rules = List.of(PolicyRule.of(USER, "alice", "*", ALLOW), PolicyRule.of(USER, "alice", "shell__*", DENY),
                PolicyRule.of(ROLE, "user", "shell__run", ALLOW));
        ToolPolicy alice = ToolPolicy.forUser(ALICE, rules);
        assertThat(alice.allows("shell__run")).isFalse();
        assertThat(alice.allows("echo__say")).isTrue();
    }

    @Test
    void patternsMatchWholeNamesWithStarsOnly() {
        PolicyRule rule = PolicyRule.of(ROLE, "user", "files__*", ALLOW);
        assertThat(rule.matches("files__read")).isTrue();
        assertThat(rule.matches("files__")).isTrue();
        assertThat(rule.matches("xfiles__read")).isFalse();
        assertThat(rule.matches("FILES__read")).isFalse();
        assertThat(PolicyRule.of(ROLE, "user", "*__run", ALLOW).matches("shell__run")).isTrue();
        assertThat(PolicyRule.of(ROLE, "user", "*__run", ALLOW).matches("shell__runner")).isFalse();
        assertThat(PolicyRule.of(ROLE, "user", "a.c", ALLOW).matches("abc")).as("a dot is literal").isFalse();
        // Many stars against a long name: linear matching, no catastrophic backtracking.
        PolicyRule stars = PolicyRule.of(ROLE, "user", "*a*a*a*a*a*a*a*a*a*a*a*b", ALLOW);
        assertThat(stars.matches("a".repeat(120))).isFalse();
    }

    @Test
    void malformedRulesAreRefused() {
        assertThatThrownBy(() -> PolicyRule.of(ROLE, "user", "files__[ab]", ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PolicyRule.of(ROLE, "user", "", ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PolicyRule.of(ROLE, "root", "*", ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PolicyRule.of(USER, "../x", "*", ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PolicyRule.of(ROLE, "user", "files__\u0430", ALLOW)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void storeAddsListsAndRemoves() {
        ToolPolicyStore store = new ToolPolicyStore(Database.openHome(home));
        PolicyRule rule = PolicyRule.of(USER, "alice", "github__*", ALLOW);
        assertThat(store.add(rule)).isTrue();
        assertThat(store.add(rule)).isFalse();
        assertThat(ToolPolicy.forUser(ALICE, store.list()).allows("github__search")).isTrue();
        assertThat(store.remove(rule)).isTrue();
        assertThat(store.remove(rule)).isFalse();
        assertThat(ToolPolicy.forUser(ALICE, store.list()).allows("github__search")).isFalse();
    }
}
