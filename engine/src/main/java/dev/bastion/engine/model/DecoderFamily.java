package dev.bastion.engine.model;

import dev.bastion.engine.format.Checkpoint;

import java.io.IOException;

/**
 * A block structure and the model implementation that runs it: Llama-shaped decoders today; Gemma, Phi or a mixture
 * of experts would each be another family, registered for their architectures in {@link ArchitectureSupport}.
 */
public interface DecoderFamily {

    /** Builds the model from {@code checkpoint}, which it takes over (closing it on failure too). */
    LanguageModel build(Checkpoint checkpoint, WeightFormat format) throws IOException;

    /** The weights a model of this shape has, from its config alone (for listings that do not open the weights). */
    long parameterCount(ModelConfig config);
}
