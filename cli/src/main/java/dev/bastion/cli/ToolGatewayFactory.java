package dev.bastion.cli;

import dev.bastion.api.Caller;
import dev.bastion.api.tools.ToolGateway;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Where {@code bastion run --tools} gets its tools: a {@link ToolGateway} over a Bastion home and the identity the
 * calls run as. The in-process MCP gateway provides one through {@link ServiceLoader} (a
 * {@code META-INF/services/dev.bastion.cli.ToolGatewayFactory} entry); tests pass their own.
 */
@FunctionalInterface
public interface ToolGatewayFactory {

    /** A gateway and the caller its tools run for; closed when the run ends. */
    record Session(ToolGateway gateway, Caller caller, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (resources != null) resources.close();
        }
    }

    /** @return empty when this home offers no gateway */
    Optional<Session> open(Path home) throws IOException;

    /** The first factory on the class path, else none. */
    static ToolGatewayFactory installed() {
        return ServiceLoader.load(ToolGatewayFactory.class).findFirst().orElse(home -> Optional.empty());
    }
}
