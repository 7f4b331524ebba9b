package dev.bastion.engine.format;

import dev.bastion.engine.model.ArchitectureSupport;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * An opened model in some {@link ModelFormat}: its config, tokenizer and tensors, with names and shapes as in Hugging
 * Face transformers whatever the file calls them. Tensor data stays valid until {@link #close()}.
 */
public interface Checkpoint extends AutoCloseable {

    /** The directory or file it was opened from. */
    Path path();

    ModelFormat format();

    ModelConfig config();

    Tokenizer tokenizer() throws IOException;

    /** BOS/EOS tokens, add_bos_token and the chat template; fields the model does not set are null. */
    TokenizerConfig tokenizerConfig() throws IOException;

    /** End-of-turn tokens the model's generation defaults add to the config's EOS (instruct models list them there). */
    Set<Integer> generationEosTokenIds() throws IOException;

    /** Every tensor, by Hugging Face name, in file order. */
    Map<String, TensorEntry> tensors();

    /** The stored bytes of a tensor, laid out as its {@link TensorEntry#type()} says (memory-mapped where possible). */
    MemorySegment data(String name);

    /** A small tensor (a norm or bias) widened to F32. */
    float[] readFloats(String name);

    /** The number of weights in the model: every element of every tensor. */
    default long parameterCount() {
        return tensors().values().stream().mapToLong(TensorEntry::elements).sum();
    }

    /** The memory the weights take once loaded in {@code format} (see {@link TensorEntry#residentBytes}). */
    default long residentBytes(WeightFormat format) {
        return tensors().values().stream().mapToLong(t -> t.residentBytes(format)).sum();
    }

    /**
     * Builds the model its architecture names, holding the weights in {@code format}. The model takes this checkpoint
     * over: closing the model closes it, and so does a failure here.
     */
    default LanguageModel load(WeightFormat format) throws IOException {
        return ArchitectureSupport.of(config().architecture()).family().build(this, format);
    }

    @Override
    void close();
}
