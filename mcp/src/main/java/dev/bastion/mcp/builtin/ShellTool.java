package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in {@code shell__run}: runs one executable from the admin's {@link CommandAllowlist}, named by absolute
 * path, with its arguments given as a list and passed to it as they are (never through a shell, so {@code ; rm},
 * {@code $(…)}, backticks and newlines are plain argument text). The program runs in the caller's workspace under a
 * {@link ShellRun}'s limits. The allowlist is per binary: what an allowed program does with its arguments (an
 * option such as {@code --exec} after {@code --}, a path outside the workspace) is that program's, so allow only
 * programs that cannot be told to run others or to reach beyond what the server's user should.
 */
public final class ShellTool implements ToolSource {

    public static final String NAMESPACE = "shell";
    static final int MAX_ARGUMENTS = 1024;
    static final int MAX_ARGUMENT_BYTES = 128 * 1024;

    private final CommandAllowlist allowlist;
    private final ProcessConfinement confinement;
    private final ShellLimits limits;

    public ShellTool(CommandAllowlist allowlist, ProcessConfinement confinement, ShellLimits limits) {
        this.allowlist = allowlist;
        this.confinement = confinement;
        this.limits = limits;
    }

    @Override
    public String namespace() {
        return NAMESPACE;
    }

    @Override
    public List<ToolSpec> tools() {
        ObjectNode annotations = ToolArguments.JSON.createObjectNode().put("readOnlyHint", false)
                .put("destructiveHint", true).put("openWorldHint", true);
        return List.of(new ToolSpec("run", "Run an allowed program (absolute path) with a list of arguments in your"
                + " workspace, without a shell; returns its exit code, stdout and stderr. Limits: "
                + limits.defaultTimeout().toSeconds() + " s by default, " + limits.maxOutputBytes() + " bytes of output.",
                ToolArguments.schema("{\"type\": \"object\", \"properties\": {"
                        + "\"command\": {\"type\": \"string\", \"description\": \"absolute path of an allowed executable\"},"
                        + " \"args\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"description\": \"passed as they are\"},"
                        + " \"timeout_seconds\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"maximum\": "
                        + limits.maxTimeout().toSeconds() + "}}, \"required\": [\"command\"]}"), annotations));
    }

    @Override
    public ToolResult call(ToolInvocation invocation) throws ToolException {
        if (!invocation.tool().equals("run")) return ToolResult.error("no such tool: " + NAMESPACE + "__" + invocation.tool());
        try {
            ToolArguments arguments = new ToolArguments(invocation.arguments());
            CommandAllowlist.AllowedCommand allowed = allowedProgram(arguments.string("command", true));
            Path program = Path.of(allowed.path());
            List<String> args = arguments(arguments.node("args"));
            int denied = allowed.deniedArgument(args);
            if (denied > 0) throw new SandboxRefusal("argument " + denied + " is not allowed for this command by the admin's rule");
            Duration timeout = timeout(arguments.node("timeout_seconds"));
            ShellRun.Outcome outcome = new ShellRun(confinement, limits)
                    .run(program, args, invocation.user().workspace(), timeout, invocation.cancel());
            return result(outcome, timeout);
        } catch (SandboxRefusal refusal) {
            return ToolResult.error(refusal.getMessage());
        } catch (IOException e) {
            throw new ToolException("the program could not be started");
        }
    }

    /**
     * The canonical path to run: the named path must be absolute and resolve to an allowlisted canonical path, which is
     * still a regular file. It is that canonical path that runs (so {@code argv[0]} is the allowed name even when the
     * call named a link, which matters to multi-call binaries).
     */
    private CommandAllowlist.AllowedCommand allowedProgram(String command) throws SandboxRefusal {
        if (command.indexOf('\0') >= 0) throw new SandboxRefusal("the command contains a NUL byte");
        if (!command.startsWith("/")) {
            throw new SandboxRefusal("give the command as an absolute path; PATH is not searched");
        }
        Path real;
        try {
            real = Path.of(command).toRealPath();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new SandboxRefusal("the command is not on the allowlist");
        }
        CommandAllowlist.AllowedCommand allowed = allowlist.find(real)
                .orElseThrow(() -> new SandboxRefusal("the command is not on the allowlist"));
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(real)) {
            throw new SandboxRefusal("the allowed command is no longer an executable file");
        }
        return allowed;
    }

    private static List<String> arguments(JsonNode node) throws SandboxRefusal {
        List<String> arguments = new ArrayList<>();
        if (node == null || node.isNull()) return arguments;
        if (!node.isArray()) throw new SandboxRefusal("'args' must be a list of strings");
        if (node.size() > MAX_ARGUMENTS) throw new SandboxRefusal("at most " + MAX_ARGUMENTS + " arguments");
        long bytes = 0;
        for (JsonNode argument : node) {
            if (!argument.isTextual()) throw new SandboxRefusal("'args' must be a list of strings");
            String text = argument.asText();
            if (text.indexOf('\0') >= 0) throw new SandboxRefusal("an argument contains a NUL byte");
            bytes += text.getBytes(StandardCharsets.UTF_8).length + 1;
            if (bytes > MAX_ARGUMENT_BYTES) throw new SandboxRefusal("the arguments exceed " + MAX_ARGUMENT_BYTES + " bytes");
            arguments.add(text);
        }
        return arguments;
    }

    private Duration timeout(JsonNode node) throws SandboxRefusal {
        if (node == null || node.isNull()) return limits.defaultTimeout();
        if (!node.isNumber() || node.asDouble() <= 0) throw new SandboxRefusal("'timeout_seconds' must be a positive number");
        Duration asked = Duration.ofMillis((long) Math.ceil(node.asDouble() * 1000));
        if (asked.compareTo(limits.maxTimeout()) > 0) {
            throw new SandboxRefusal("'timeout_seconds' may be at most " + limits.maxTimeout().toSeconds());
        }
        return asked;
    }

    private ToolResult result(ShellRun.Outcome outcome, Duration timeout) {
        String stdout = new String(outcome.stdout(), StandardCharsets.UTF_8);
        String stderr = new String(outcome.stderr(), StandardCharsets.UTF_8);
        String ending = switch (outcome.ending()) {
            case EXITED -> "exit code " + outcome.exitCode();
            case TIMED_OUT -> "killed: the timeout of " + timeout.toMillis() + " ms passed";
            case OUTPUT_CAPPED -> "killed: the output passed the cap of " + limits.maxOutputBytes() + " bytes";
            case CANCELLED -> "killed: the call was cancelled";
        };
        StringBuilder text = new StringBuilder(ending).append('\n');
        if (!stdout.isEmpty()) text.append("--- stdout ---\n").append(stdout).append(stdout.endsWith("\n") ? "" : "\n");
        if (!stderr.isEmpty()) text.append("--- stderr ---\n").append(stderr).append(stderr.endsWith("\n") ? "" : "\n");
        ObjectNode structured = ToolArguments.JSON.createObjectNode()
                .put("ending", outcome.ending().name().toLowerCase(java.util.Locale.ROOT))
                .put("exit_code", outcome.exitCode()).put("stdout", stdout).put("stderr", stderr)
                .put("duration_ms", outcome.duration().toMillis());
        ObjectNode block = ToolArguments.JSON.createObjectNode().put("type", "text").put("text", text.toString());
        return new ToolResult(List.of(block), structured, outcome.ending() != ShellRun.Ending.EXITED);
    }
}
