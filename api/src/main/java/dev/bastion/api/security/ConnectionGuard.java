package dev.bastion.api.security;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SelectableChannelEndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Cuts connections that hold the server without asking anything of it (slowloris). A request's headers must arrive
 * within the header deadline: Jetty's idle timeout restarts on every byte, so a client trickling a header line every
 * few seconds would otherwise keep its socket forever. The deadline covers header reading only; bodies and long
 * streaming responses are not affected. And one client address may hold only so many connections at once.
 * Added to a connector as a bean, which both runs its sweeper and registers it as a connection listener.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {

    private static final long NOT_READING_HEADERS = 0;

    private final long deadlineNanos;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    /** The client address of each network connection (a closed channel no longer tells it). */
    private final Map<Connection, InetAddress> addresses = new ConcurrentHashMap<>();
    /** When each connection began reading its current request's headers (nanoTime), or NOT_READING_HEADERS. */
    private final Map<HttpConnection, Long> headersSince = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    ConnectionGuard(Duration headerDeadline, int maxPerAddress) {
        this.deadlineNanos = headerDeadline.toNanos();
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection.getEndPoint() instanceof SelectableChannelEndPoint network
                && network.getRemoteSocketAddress() instanceof InetSocketAddress remote) {
            addresses.put(connection, remote.getAddress());
            int open = perAddress.merge(remote.getAddress(), 1, Integer::sum);
            if (open > maxPerAddress) {
                network.close();
            }
        }
        if (connection instanceof HttpConnection http) {
            headersSince.put(http, System.nanoTime());
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress address = addresses.remove(connection);
        if (address != null) {
            perAddress.computeIfPresent(address, (a, open) -> open > 1 ? open - 1 : null);
        }
        if (connection instanceof HttpConnection http) {
            headersSince.remove(http);
        }
    }

    @Override
    protected void doStart() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), deadlineNanos / 4);
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("bastion-header-deadline").factory());
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void doStop() {
        sweeper.shutdownNow();
    }

    private void sweep() {
        long now = System.nanoTime();
        List<HttpConnection> late = new ArrayList<>();
        headersSince.replaceAll((http, since) -> {
            if (!readingHeaders(http)) {
                return NOT_READING_HEADERS;
            }
            if (since == NOT_READING_HEADERS) {
                return now;
            }
            if (now - since > deadlineNanos) {
                late.add(http);
            }
            return since;
        });
        late.forEach(http -> http.getEndPoint().close());
    }

    /** Mid-headers, or a new connection that has not completed a request yet; an idle kept-alive one is not. */
    private static boolean readingHeaders(HttpConnection http) {
        HttpParser parser = http.getParser();
        return parser.inHeaderState() && !(parser.isStart() && http.getMessagesIn() > 0);
    }
}
