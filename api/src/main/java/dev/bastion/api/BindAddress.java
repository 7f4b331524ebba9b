package dev.bastion.api;

import java.net.URI;

/** Where the server listens; parsed like OLLAMA_HOST: {@code host}, {@code host:port}, {@code http://host:port}. */
public record BindAddress(String host, int port) {

    public static final int DEFAULT_PORT = 11434;
    public static final BindAddress DEFAULT = new BindAddress("127.0.0.1", DEFAULT_PORT);

    public BindAddress {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is outside [0, 65535]");
    }

    /** Parses {@code value}; null or blank gives the default 127.0.0.1:11434. */
    public static BindAddress parse(String value) {
        if (value == null || value.isBlank()) return DEFAULT;
        String v = value.strip();
        String withScheme = v.contains("://") ? v : "http://" + v;
        URI uri;
        try {
            uri = URI.create(withScheme);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("BASTION_HOST '" + value + "' is not host, host:port or http://host:port");
        }
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("BASTION_HOST '" + value + "' has unsupported scheme '" + scheme + "'");
        }
        String host = uri.getHost();
        if (host == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
            throw new IllegalArgumentException("BASTION_HOST '" + value + "' is not host, host:port or http://host:port");
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        return new BindAddress(host, uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort());
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
