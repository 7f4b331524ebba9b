package dev.bastion.api;

import dev.bastion.engine.generate.LocalModelRuntime;

/** The runtime the integration tests load models with: the engine's real inference. */
final class Runtimes {
    private Runtimes() {}

    static final RuntimeLoader LOADER = LocalModelRuntime::load;
}
