package dev.bastion.mcp.builtin.docker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;

/**
 * The Engine API's error statuses as messages a user can act on. The engine's own message goes to the server log
 * only: it can name host paths and storage internals.
 */
final class EngineStatus {

    private static final Logger LOG = LoggerFactory.getLogger(EngineStatus.class);

    private EngineStatus() {
    }

    /** Returns for 2xx; else a {@link Refusal} naming what went wrong with {@code what} (e.g. "container 'web'"). */
    static void require2xx(int status, InputStream body, String what) throws Refusal {
        if (status >= 200 && status < 300) return;
        String engineMessage = EngineBodies.errorMessage(body);
        LOG.info("docker engine answered {} for {}: {}", status, what, engineMessage);
        throw new Refusal(switch (status) {
            case 404 -> "no such " + what;
            case 409 -> "the state of " + what + " does not allow this now (not running, paused, restarting or being removed)";
            case 400 -> "the Docker engine refused the request for " + what;
            case 401, 403 -> "the Docker engine denied access to " + what;
            default -> status >= 500 ? "the Docker engine failed on " + what + " (HTTP " + status + "; see its log)"
                    : "unexpected answer from the Docker engine for " + what + " (HTTP " + status + ")";
        });
    }
}
