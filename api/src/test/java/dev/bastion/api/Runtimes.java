package dev.bastion.api;

/** The runtime the integration tests load models with. */
final class Runtimes {
    private Runtimes() {}

    /** Until the engine's LocalModelRuntime lands, a deterministic fake stands in for inference. */
    static final RuntimeLoader LOADER = dir -> new FakeRuntime(dir.getFileName().toString(), 0);
}
