package dev.bastion.api;

import dev.bastion.engine.generate.GenerationResult;

/**
 * The one place that sees every generation and embedding, whichever API asked, with the caller: where metering
 * (credits), quotas and tool policy hook in. Called by {@link Generations} only.
 */
public interface GenerationListener {

    GenerationListener NONE = new GenerationListener() {};

    /** Before the model is acquired; throwing (an {@link ApiException}) refuses the call and nothing runs. */
    default void starting(GenerationCall call) {}

    /** After the generation ended, also when it was cancelled or stopped early. */
    default void finished(GenerationCall call, GenerationResult result) {}

    /** After inputs were embedded for {@code caller}, with their tokens. */
    default void embedded(Caller caller, String storedModel, int inputs, int tokens) {}
}
