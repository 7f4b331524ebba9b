package dev.bastion.security;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real client address. {@code X-Forwarded-For} is believed only when the direct peer is a trusted proxy; then
 * the right-most hop that is not itself a trusted proxy is the client (hops further left are client-controlled).
 */
public final class ClientAddressResolver {

    private static final String PORT = "(?::\\d{1,5})";
    private static final Pattern BRACKETED_WITH_PORT = Pattern.compile("\\[([^\\]]+)]" + PORT + "?");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("([\\d.]+)" + PORT);

    private final List<Cidr> trustedProxies;

    public ClientAddressResolver(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public static ClientAddressResolver parse(List<String> trustedProxyCidrs) {
        return new ClientAddressResolver(trustedProxyCidrs.stream().map(Cidr::parse).toList());
    }

    /**
     * @param peer           the TCP peer address (an IP literal)
     * @param forwardedFor   all {@code X-Forwarded-For} header values in order (may be empty)
     */
    public InetAddress resolve(String peer, List<String> forwardedFor) {
        InetAddress current = Cidr.parseAddress(withoutZone(peer));
        if (!isTrusted(current) || forwardedFor.isEmpty()) {
            return current;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                hops.add(hop.trim());
            }
        }
        for (int i = hops.size() - 1; i >= 0 && isTrusted(current); i--) {
            try {
                current = Cidr.parseAddress(withoutPort(hops.get(i)));
            } catch (IllegalArgumentException garbage) {
                // A hop we cannot parse ends the chain: keep the last proxy we trust rather than guess.
                return current;
            }
        }
        return current;
    }

    /**
     * The socket peer of a link-local IPv6 client carries its zone ({@code fe80::1%eth0}); the zone names our own
     * interface, not the client, so allowlists and limits ignore it. Only applied to the OS-given peer, never to
     * forwarded hops.
     */
    private static String withoutZone(String peer) {
        int zone = peer.indexOf('%');
        if (zone < 0) {
            return peer;
        }
        return peer.startsWith("[") ? peer.substring(0, zone) + "]" : peer.substring(0, zone);
    }

    /** A hop as proxies write it: {@code ip}, {@code ip:port}, {@code [ipv6]} or {@code [ipv6]:port}. */
    private static String withoutPort(String hop) {
        Matcher bracketed = BRACKETED_WITH_PORT.matcher(hop);
        if (bracketed.matches()) {
            return bracketed.group(1);
        }
        Matcher ipv4 = IPV4_WITH_PORT.matcher(hop);
        return ipv4.matches() ? ipv4.group(1) : hop;
    }

    /**
     * The unit a per-client limit should count: the IPv4 address, or the IPv6 /64 network, since one subscriber
     * usually holds a whole /64 and could otherwise rotate through addresses to escape the limit.
     */
    public static String rateLimitKey(InetAddress client) {
        byte[] bytes = client.getAddress();
        if (bytes.length == 4) {
            return client.getHostAddress();
        }
        return Cidr.parse(client.getHostAddress() + "/64").toString();
    }

    private boolean isTrusted(InetAddress address) {
        return trustedProxies.stream().anyMatch(c -> c.contains(address));
    }
}
