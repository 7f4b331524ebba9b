package dev.bastion.mcp.builtin.docker;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A container's name or id as a client gave it, checked before it becomes a URL path segment: Docker's own name
 * grammar (ids are hex, so they fit it too) leaves no room for {@code /}, {@code ?}, {@code %}, dots at the start or
 * control characters, so nothing can reach another Engine endpoint.
 */
public record ContainerRef(String value) {

    /** Longer than any id (64 hex digits) and any name Docker generates; keeps error messages short. */
    public static final int MAX_LENGTH = 128;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    /** Empty when {@code ref} is not a plain name or id; the one leading {@code /} the Engine's lists show is dropped. */
    public static Optional<ContainerRef> parse(String ref) {
        if (ref == null) return Optional.empty();
        String name = ref.startsWith("/") ? ref.substring(1) : ref;
        if (name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) return Optional.empty();
        return Optional.of(new ContainerRef(name));
    }
}
