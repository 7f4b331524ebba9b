package dev.bastion.security;

import java.nio.file.Path;
import java.util.Map;

/** Resolves {@code BASTION_HOME} (environment), defaulting to {@code ~/.bastion}. */
public final class BastionHome {

    public static final String ENV = "BASTION_HOME";

    private BastionHome() {
    }

    public static Path resolve() {
        return resolve(System.getenv());
    }

    public static Path resolve(Map<String, String> env) {
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".bastion");
    }
}
