package dev.bastion.mcp.builtin;

import dev.bastion.mcp.ToolSource;
import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Wiring for the gateway ({@code McpGateways.builtIns}): the {@code files} and {@code shell} sources, their limits
 * from the environment. The shell tool runs nothing until an admin allows a command.
 */
public final class BuiltinTools {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BuiltinTools.class);

    private BuiltinTools() {
    }

    /** For a home: the allowlist lives in the home's security database (SQLite, or PostgreSQL if configured). */
    public static List<ToolSource> filesAndShell(Path home, Map<String, String> env) {
        return filesAndShell(Database.open(DatabaseConfig.fromEnvironment(env, home)), env);
    }

    public static List<ToolSource> filesAndShell(Database database, Map<String, String> env) {
        ProcessConfinement confinement = ProcessConfinement.detect();
        LOG.info("shell tool confinement: {}", confinement.describe());
        return List.of(new FilesTool(FilesLimits.fromEnvironment(env)),
                new ShellTool(new CommandAllowlist(database), confinement, ShellLimits.fromEnvironment(env)));
    }
}
