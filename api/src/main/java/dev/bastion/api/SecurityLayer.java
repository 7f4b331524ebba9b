package dev.bastion.api;

import dev.bastion.security.Authenticator;
import io.javalin.config.JavalinConfig;

import java.util.List;

/**
 * What every request passes before any module's or API's route: authentication, scope checks, limits. Installed
 * first, given the authenticators of all the server's {@link ServerModule}s; it rejects a request by throwing and
 * records the caller in {@link RequestContext#PRINCIPAL_ATTRIBUTE}.
 */
@FunctionalInterface
public interface SecurityLayer {

    SecurityLayer NONE = (config, moduleAuthenticators) -> { };

    void install(JavalinConfig config, List<Authenticator> moduleAuthenticators);
}
