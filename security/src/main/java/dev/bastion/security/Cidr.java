package dev.bastion.security;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address means a single host.
 * Only IP literals are accepted, so parsing never triggers a DNS lookup.
 */
public record Cidr(byte[] network, int prefixLength) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String addressPart = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] address = parseAddress(addressPart).getAddress();
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String prefixPart = trimmed.substring(slash + 1);
            if (!prefixPart.matches("\\d{1,3}") || Integer.parseInt(prefixPart) > bits) {
                throw new IllegalArgumentException("invalid prefix length in CIDR '" + text + "' (0-" + bits + ")");
            }
            prefix = Integer.parseInt(prefixPart);
        }
        return new Cidr(mask(address, prefix), prefix);
    }

    /** Parses an IP literal; hostnames, zone ids and anything else are refused (no DNS lookup is ever made). */
    public static InetAddress parseAddress(String text) {
        String candidate = text == null ? "" : text.trim();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        boolean literal = IPV4.matcher(candidate).matches() || (candidate.contains(":") && IPV6.matcher(candidate).matches());
        if (!literal) {
            throw new IllegalArgumentException("not an IP address literal: '" + text + "'");
        }
        try {
            return InetAddress.ofLiteral(candidate);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address literal: '" + text + "'", e);
        }
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && java.util.Arrays.equals(mask(bytes, prefixLength), network);
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int bitsInByte = Math.clamp(prefix - i * 8L, 0, 8);
            masked[i] &= (byte) (0xFF << (8 - bitsInByte));
        }
        return masked;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && other.prefixLength == prefixLength && java.util.Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefixLength;
    }
}
