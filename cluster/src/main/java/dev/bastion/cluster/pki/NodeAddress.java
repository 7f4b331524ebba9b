package dev.bastion.cluster.pki;

import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where peers reach a node, as its certificate's subject alternative name states it: an IPv4 or IPv6 literal, or a DNS
 * host name. Parsed strictly and without any lookup, so a certificate names exactly what the operator typed.
 */
public record NodeAddress(String value, boolean ip) {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern HOST = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern ALL_NUMERIC = Pattern.compile("[0-9.]+");

    public static NodeAddress parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 253) {
            throw invalid(text);
        }
        if (IPV4.matcher(text).matches()) {
            return new NodeAddress(InetAddress.ofLiteral(text).getHostAddress(), true);
        }
        if (text.indexOf(':') >= 0) {
            String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
            if (!literal.matches("[0-9A-Fa-f:.]+")) {
                throw invalid(text); // also refuses scope ids (%eth0) and ports
            }
            try {
                return new NodeAddress(InetAddress.ofLiteral(literal).getHostAddress(), true);
            } catch (IllegalArgumentException e) {
                throw invalid(text);
            }
        }
        String host = text.toLowerCase(Locale.ROOT);
        if (!HOST.matcher(host).matches() || ALL_NUMERIC.matcher(host).matches()) {
            throw invalid(text); // an all-numeric name would be read as a (malformed) IPv4 address by clients
        }
        return new NodeAddress(host, false);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid node address " + NodeName.quoted(text)
                + ": give an IP address (10.0.0.5, fd00::5) or a host name (node-a.internal), without scheme or port");
    }
}
