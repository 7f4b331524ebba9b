package dev.bastion.cli;

import dev.bastion.mcp.upstream.UpstreamConfig;
import dev.bastion.mcp.upstream.UpstreamRegistry;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bastion mcp add NAME -- COMMAND ARGS...} (stdio) or {@code bastion mcp add NAME --url URL} (Streamable HTTP).
 * Secret values are sealed with the server secret and never printed again; a running server starts the upstream
 * within seconds.
 */
@Command(name = "add", description = {"Register an upstream MCP server; its tools appear as NAME__tool.",
        "  bastion mcp add NAME [--env K=V]... [--env-secret K=V]... -- COMMAND [ARGS...]",
        "  bastion mcp add NAME --url URL [--header K=V]... [--header-secret K=V]..."})
final class McpAddCommand extends SecurityCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Tool namespace: a-z, 0-9 and '-', not files, shell or docker.")
    String name;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "The stdio server's command and arguments, after --.")
    List<String> command = new ArrayList<>();

    @Option(names = "--url", paramLabel = "URL", description = "The Streamable HTTP endpoint, e.g. https://host/mcp.")
    String url;

    @Option(names = "--header", paramLabel = "K=V", description = "A plain HTTP header sent to the upstream.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--header-secret", paramLabel = "K[=V]",
            description = "A header whose value is stored encrypted (e.g. Authorization); without =V, read from standard input.")
    List<String> secretHeaders = new ArrayList<>();

    @Option(names = "--env", paramLabel = "K=V", description = "An environment variable of the stdio server.")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-secret", paramLabel = "K[=V]",
            description = "An environment variable whose value is stored encrypted; without =V, read from standard input.")
    List<String> secretEnv = new ArrayList<>();

    @Option(names = "--disabled", description = "Register without starting it.")
    boolean disabled;

    /** Where secrets given without a value are read from, one line each: keeps them out of shell history and ps. */
    java.io.BufferedReader stdin = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));

    @Override
    int run() {
        if ((url == null) == command.isEmpty()) {
            throw new IllegalArgumentException("give either --url URL or -- COMMAND ARGS...");
        }
        UpstreamConfig config = url != null
                ? UpstreamConfig.http(name, url, pairs(headers), secretPairs(secretHeaders), HomeOption.actor())
                : UpstreamConfig.stdio(name, command, pairs(env), secretPairs(secretEnv), HomeOption.actor());
        if (disabled) config = config.withEnabled(false);
        SecurityServices services = home.openSecurity();
        new UpstreamRegistry(services.database(), services.secrets()).add(config);
        audit(services, "mcp.upstream.add", name, Map.of("kind", config.kind().id()));
        out().println("added upstream " + name + " (" + config.kind().id() + "); its tools are " + name + "__<tool>");
        return 0;
    }

    /** Like {@link #pairs}, but a bare K takes its value from the next line of standard input. */
    private Map<String, String> secretPairs(List<String> given) {
        List<String> complete = new ArrayList<>();
        for (String pair : given) {
            if (pair.indexOf('=') >= 0) {
                complete.add(pair);
                continue;
            }
            try {
                String value = stdin.readLine();
                if (value == null || value.isEmpty()) throw new IllegalArgumentException("no value for " + UpstreamConfig.printable(pair) + " on standard input");
                complete.add(pair + "=" + value);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read standard input");
            }
        }
        return pairs(complete);
    }

    /** K=V pairs; the message names the key only, never the value. */
    private static Map<String, String> pairs(List<String> given) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : given) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected K=V, got a value without '=' or key");
            String key = pair.substring(0, eq);
            if (map.put(key, pair.substring(eq + 1)) != null) {
                throw new IllegalArgumentException(UpstreamConfig.printable(key) + " is given twice");
            }
        }
        return map;
    }
}
