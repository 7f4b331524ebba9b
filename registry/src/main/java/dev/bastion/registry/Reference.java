package dev.bastion.registry;

import dev.bastion.store.ModelName;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * {@code HOST[:PORT]/NS/MODEL[:TAG]}: where a model lives in a registry. The name part follows the store's grammar
 * (no traversal), and the host is a plain host name or address with an optional port.
 */
public record Reference(String host, ModelName name) {

    private static final Pattern HOST = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(:[0-9]{1,5})?");

    public Reference {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new IllegalArgumentException("registry host '" + Printable.of(String.valueOf(host)) + "' is not HOST[:PORT]");
        }
    }

    /** @throws IllegalArgumentException unless {@code text} is HOST/NS/MODEL[:TAG] */
    public static Reference parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || text.indexOf('/', slash + 1) < 0) {
            throw new IllegalArgumentException("'" + Printable.of(String.valueOf(text)) + "' is not HOST[:PORT]/NAMESPACE/MODEL[:TAG]");
        }
        return new Reference(text.substring(0, slash), ModelName.parse(text.substring(slash + 1)));
    }

    /** The repository path, {@code ns/model}. */
    public String repository() {
        return name.namespace() + "/" + name.name();
    }

    /** Whether the host is a loopback address (the only kind plain HTTP is allowed for). */
    public boolean isLoopback() {
        String bare = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.replaceFirst(":[0-9]+$", "");
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    URI base(boolean insecure) {
        return URI.create((insecure ? "http://" : "https://") + host);
    }

    @Override
    public String toString() {
        return host + "/" + repository() + ":" + name.tag();
    }
}
