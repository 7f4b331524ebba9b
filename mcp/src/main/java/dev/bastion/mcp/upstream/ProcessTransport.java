package dev.bastion.mcp.upstream;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * MCP over a child process's stdin/stdout. Written here rather than taken from the SDK because the SDK's stdio
 * transport stops reading at the first line that is not JSON-RPC (one noisy or broken upstream line would silence the
 * server for good) and does not tell when the process dies, which the restart-with-backoff needs.
 * <p>
 * The child gets a scrubbed environment (a few locale and path variables plus its configured ones): the server's own
 * environment may hold {@code BASTION_SECRET_KEY} and other credentials.
 */
final class ProcessTransport implements McpClientTransport {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessTransport.class);
    /** Variables passed through from the server's environment; everything else must be configured per upstream. */
    static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER");
    private static final int MAX_LINE_CHARS = 16 * 1024 * 1024;
    private static final int LOGGED_CHARS = 200;

    private final String upstream;
    private final List<String> command;
    private final Map<String, String> env;
    private final McpJsonMapper json;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile Process process;
    private volatile boolean closing;
    private volatile String startFailure;

    ProcessTransport(String upstream, List<String> command, Map<String, String> env, McpJsonMapper json) {
        this.upstream = upstream;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.json = json;
    }

    /** Completes with the exit code when the process ends, whoever ended it. */
    CompletableFuture<Integer> exit() {
        return exit;
    }

    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /**
     * Starts the process when subscribed, on the subscribing thread: the client session sends {@code initialize} right
     * after subscribing, so the process must exist by then.
     */
    @Override
    public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        return Mono.fromRunnable(() -> {
            if (closing) throw new IllegalStateException("transport closed");
            ProcessBuilder builder = new ProcessBuilder(command);
            Map<String, String> childEnv = builder.environment();
            childEnv.keySet().retainAll(INHERITED_ENV);
            childEnv.putAll(env);
            Process started;
            try {
                started = builder.start();
            } catch (IOException e) {
                exit.complete(-1);
                startFailure = "cannot start " + command.getFirst() + ": " + e.getMessage();
                throw new IllegalStateException(startFailure);
            }
            process = started;
            started.onExit().thenAccept(p -> exit.complete(p.exitValue()));
            Thread.ofVirtual().name("mcp-" + upstream + "-out").start(() -> readMessages(started, handler));
            Thread.ofVirtual().name("mcp-" + upstream + "-err").start(() -> drainStderr(started));
        });
    }

    private void readMessages(Process from, Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            int c;
            boolean overlong = false;
            while ((c = reader.read()) >= 0) {
                if (c != '\n') {
                    if (line.length() < MAX_LINE_CHARS) line.append((char) c);
                    else overlong = true;
                    continue;
                }
                if (overlong) {
                    LOG.warn("upstream {} sent a line over {} characters; dropped", upstream, MAX_LINE_CHARS);
                } else {
                    deliver(line.toString().strip(), handler);
                }
                line.setLength(0);
                overlong = false;
            }
        } catch (IOException e) {
            if (!closing) LOG.debug("upstream {}: stdout closed: {}", upstream, e.getMessage());
        }
    }

    /** One line: a JSON-RPC message goes to the client session; anything else is noise, logged and skipped. */
    private void deliver(String line, Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        if (line.isEmpty()) return;
        JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(json, line);
        } catch (IOException | RuntimeException e) {
            LOG.warn("upstream {} wrote a line that is not JSON-RPC; skipped: {}", upstream, abbreviate(line));
            return;
        }
        try {
            handler.apply(Mono.just(message)).subscribe(null,
                    error -> LOG.warn("upstream {}: message not handled: {}", upstream, error.toString()));
        } catch (RuntimeException e) {
            LOG.warn("upstream {}: message not handled: {}", upstream, e.toString());
        }
    }

    private void drainStderr(Process from) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(from.getErrorStream(), StandardCharsets.UTF_8))) {
            char[] buffer = new char[8192];
            int n;
            while ((n = reader.read(buffer)) >= 0) {
                if (LOG.isDebugEnabled()) LOG.debug("upstream {} stderr: {}", upstream, abbreviate(new String(buffer, 0, n)));
            }
        } catch (IOException e) {
            // the process went away; its exit is reported through exit()
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() <= LOGGED_CHARS ? oneLine : oneLine.substring(0, LOGGED_CHARS) + "…";
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
        return Mono.fromRunnable(() -> {
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException(startFailure != null ? startFailure : "the upstream process is not running");
            }
            try {
                // Jackson escapes newlines inside strings, so one message is one line as stdio MCP requires.
                byte[] bytes = (json.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
                OutputStream stdin = p.getOutputStream();
                synchronized (stdin) {
                    stdin.write(bytes);
                    stdin.flush();
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot write to the upstream process: " + e.getMessage());
            }
        });
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.<Void>fromRunnable(this::stop).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public void close() {
        stop();
    }

    /** Closes stdin (the spec's polite stop), then TERM, then KILL, children included (npx starts a child). */
    private void stop() {
        closing = true;
        Process p = process;
        if (p == null) return;
        List<ProcessHandle> descendants = p.descendants().toList();
        try {
            p.getOutputStream().close();
            if (!p.waitFor(500, TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(2, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return json.convertValue(data, typeRef);
    }
}
