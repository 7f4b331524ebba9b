package dev.bastion.mcp.builtin.docker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** {@code BASTION_DOCKER_SOCKET}: where the Engine API listens. Unset (or blank), the docker tool is off. */
public final class DockerSettings {

    public static final String ENV_SOCKET = "BASTION_DOCKER_SOCKET";
    private static final String UNIX_SCHEME = "unix://";

    private DockerSettings() {
    }

    /** The socket file, from {@code unix:///var/run/docker.sock} or a plain absolute path. */
    public static Optional<Path> socket(Map<String, String> env) {
        String value = env.get(ENV_SOCKET);
        if (value == null || value.isBlank()) return Optional.empty();
        String path = value.strip();
        if (path.startsWith(UNIX_SCHEME)) path = path.substring(UNIX_SCHEME.length());
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            // Docker's tcp:// endpoints are not supported: the socket's file permissions are the access control here.
            throw new IllegalArgumentException(ENV_SOCKET + " must be a Unix socket, e.g. unix:///var/run/docker.sock");
        }
        return Optional.of(Path.of(path));
    }
}
