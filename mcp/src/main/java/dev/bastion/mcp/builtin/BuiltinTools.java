package dev.bastion.mcp.builtin;

import dev.bastion.mcp.ToolSources;
import dev.bastion.security.db.Database;

import java.util.Map;

/** Wiring for the gateway: the {@code files} and {@code shell} sources with their limits from the environment. */
public final class BuiltinTools {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BuiltinTools.class);

    private BuiltinTools() {
    }

    /** Registers {@code files} and {@code shell}; the shell tool runs nothing until an admin allows a command. */
    public static void registerFilesAndShell(ToolSources sources, Database database, Map<String, String> env) {
        sources.register(new FilesTool(FilesLimits.fromEnvironment(env)));
        ProcessConfinement confinement = ProcessConfinement.detect();
        LOG.info("shell tool confinement: {}", confinement.describe());
        sources.register(new ShellTool(new CommandAllowlist(database), confinement, ShellLimits.fromEnvironment(env)));
    }
}
