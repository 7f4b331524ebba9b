package dev.bastion.mcp.gateway;

import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSources;
import dev.bastion.mcp.ToolUser;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.builtin.BuiltinTools;
import dev.bastion.mcp.builtin.docker.DockerTool;
import dev.bastion.mcp.policy.ToolPolicyStore;
import dev.bastion.security.Principal;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.SlidingWindowRateLimiter;
import dev.bastion.security.User;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds gateways the same way everywhere: {@code bastion serve}, {@code bastion mcp serve} and in-process users such
 * as {@code bastion run --tools}, so all of them apply the home's policy, limits and audit log.
 */
public final class McpGateways {

    private McpGateways() {
    }

    /**
     * The built-in sources for a home, in the order they are registered: {@code bastion serve} and {@code bastion mcp
     * serve} serve these (the files, shell and docker tools add themselves here).
     */
    public static List<ToolSource> builtIns(SecurityServices security, Map<String, String> env) {
        List<ToolSource> sources = new java.util.ArrayList<>(BuiltinTools.filesAndShell(security.database(), env));
        DockerTool.fromEnvironment(env, security.database()).ifPresent(sources::add);
        return sources;
    }

    /** A gateway over {@code sources} (registered here, in order) with the home's policy and audit log. */
    public static McpGateway create(SecurityServices security, List<ToolSource> sources, GatewaySettings settings) {
        return create(security, sources, settings, null);
    }

    /** The same, charging tool calls in {@code credits} (null: tool calls are free). */
    public static McpGateway create(SecurityServices security, List<ToolSource> sources, GatewaySettings settings,
                                    dev.bastion.credits.Credits credits) {
        ToolSources registry = new ToolSources();
        sources.forEach(registry::register);
        return new McpGateway(registry, new ToolPolicyStore(security.database()), security.audit(),
                new SlidingWindowRateLimiter(), settings, credits);
    }

    /** The user an authenticated key acts as, with its workspace. */
    public static ToolUser user(Principal principal, Workspaces workspaces) {
        return new ToolUser(principal.userId(), principal.userName(), principal.role(), workspaces.of(principal.userName()));
    }

    /** An in-process gateway and the user it acts for; closing it closes the gateway and its sources. */
    public record Local(McpGateway gateway, ToolUser user) implements AutoCloseable {
        @Override
        public void close() {
            gateway.close();
            gateway.sources().close();
        }
    }

    /**
     * For code running in the same process as the tools (e.g. {@code bastion run --tools}): the home's gateway acting
     * as {@code userName}, who must exist and be enabled.
     */
    public static Local local(Path home, Map<String, String> env, String userName, List<ToolSource> sources) {
        SecurityServices security = SecurityServices.open(home, env);
        User user = security.users().find(userName)
                .orElseThrow(() -> new IllegalArgumentException("no user named '" + userName + "'"));
        if (user.disabled()) throw new IllegalArgumentException("user '" + userName + "' is disabled");
        ToolUser toolUser = new ToolUser(user.id(), user.name(), user.role(), new Workspaces(home).of(user.name()));
        return new Local(create(security, sources, GatewaySettings.fromEnvironment(env)), toolUser);
    }
}
