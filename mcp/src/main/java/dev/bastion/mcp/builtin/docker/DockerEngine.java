package dev.bastion.mcp.builtin.docker;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ToolException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP/1.1 to the Docker Engine API on its Unix socket (Jetty's client over {@link Transport.TCPUnix}). Paths are the
 * unversioned ones, which Docker and Podman both serve at their own current version. Failures to reach the engine
 * are {@link ToolException}s that name neither the socket nor the engine's words.
 */
final class DockerEngine implements AutoCloseable {

    /** Reads an answer's body; it may stop early (the exchange is then aborted). */
    @FunctionalInterface
    interface BodyReader<T> {
        T read(int status, InputStream body) throws IOException, ToolException, Refusal;
    }

    private static final long CANCEL_POLL_MILLIS = 200;

    private final Path socket;
    private final Duration timeout;
    private final HttpClient client = new HttpClient();
    private final ScheduledExecutorService cancelWatch = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("docker-cancel-watch").factory());

    DockerEngine(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
        client.setConnectTimeout(5_000);
        client.setFollowRedirects(false);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Docker engine client", e);
        }
    }

    <T> T get(String path, Map<String, String> query, CancellationToken cancel, BodyReader<T> reader)
            throws ToolException, Refusal {
        return exchange(HttpMethod.GET, path, query, timeout, cancel, reader);
    }

    /** A POST without a body (start, stop, restart); {@code extraTime} covers a stop timeout the engine waits out. */
    <T> T post(String path, Map<String, String> query, Duration extraTime, CancellationToken cancel,
                      BodyReader<T> reader) throws ToolException, Refusal {
        return exchange(HttpMethod.POST, path, query, timeout.plus(extraTime), cancel, reader);
    }

    private <T> T exchange(HttpMethod method, String path, Map<String, String> query, Duration limit,
                           CancellationToken cancel, BodyReader<T> reader) throws ToolException, Refusal {
        // Jetty reports a missing socket file only when its connect timeout expires; this is the common case (engine
        // not installed or not running), so say so at once.
        if (!Files.exists(socket)) throw new ToolException("the Docker engine is not reachable");
        Request request = client.newRequest("http://localhost" + path)
                .transport(new Transport.TCPUnix(socket))
                .method(method)
                .timeout(limit.toMillis(), TimeUnit.MILLISECONDS);
        query.forEach(request::param);
        InputStreamResponseListener listener = new InputStreamResponseListener();
        ScheduledFuture<?> watch = cancelWatch.scheduleWithFixedDelay(() -> {
            if (cancel.isCancelled()) request.abort(new CancellationException("cancelled"));
        }, CANCEL_POLL_MILLIS, CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
        request.send(listener);
        // Closing the body before its end aborts the exchange: a reader that stopped early leaves nothing to drain.
        try (InputStream body = listener.getInputStream()) {
            Response response = listener.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return reader.read(response.getStatus(), body);
        } catch (ExecutionException | IOException e) {
            throw failure(cancel, e);
        } catch (TimeoutException e) {
            request.abort(e);
            throw new ToolException("the Docker engine did not answer within " + limit.toSeconds() + " s");
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new ToolException("interrupted");
        } finally {
            watch.cancel(false);
        }
    }

    private ToolException failure(CancellationToken cancel, Exception e) {
        if (cancel.isCancelled()) return new ToolException("cancelled");
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return new ToolException("the Docker engine did not answer in time");
            }
        }
        // Connection refused, no socket file, a reset: the engine is down or not where it was configured.
        return new ToolException("the Docker engine is not reachable");
    }

    @Override
    public void close() {
        cancelWatch.shutdownNow();
        try {
            client.stop();
        } catch (Exception ignored) {
            // closing: nothing left to do with a client that will not stop cleanly
        }
    }
}
