package dev.bastion.engine.tiny;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.safetensors.DType;

import java.util.Objects;

/**
 * The shape of a generated model.
 *
 * @param vocabSize 0 means the tokenizer's size; larger leaves the extra embedding rows unused by the tokenizer
 * @param shards 1 writes {@code model.safetensors}; more writes an index and that many shard files
 */
public record TinyModelSpec(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int vocabSize,
                            DType dtype, boolean tieEmbeddings, boolean llama3RopeScaling, int shards) {

    public TinyModelSpec {
        Objects.requireNonNull(dtype, "dtype");
        if (hiddenSize < 2 || intermediateSize < 1 || layers < 1 || heads < 1 || kvHeads < 1 || vocabSize < 0 || shards < 1) {
            throw new IllegalArgumentException("invalid tiny model spec " + shapeText(hiddenSize, intermediateSize, layers, heads, kvHeads, vocabSize, shards));
        }
        if (hiddenSize % heads != 0 || (hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " must split into " + heads + " heads of even size");
        }
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " must be a multiple of kv heads " + kvHeads);
    }

    /** Hidden 64, 2 layers, 4 heads, 2 KV heads, BF16, the tokenizer's vocabulary: a few hundred KB. Qwen2 ties embeddings, as its small models do. */
    public static TinyModelSpec tiny(Architecture arch) {
        return new TinyModelSpec(64, 176, 2, 4, 2, 0, DType.BF16, arch == Architecture.QWEN2, false, 1);
    }

    /** The shape of SmolLM2-135M (about 270 MB in BF16): for benchmarks, generated on the fly and never committed. */
    public static TinyModelSpec smolLm2_135mShape() {
        return new TinyModelSpec(576, 1536, 30, 9, 3, 49152, DType.BF16, true, false, 1);
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public TinyModelSpec withDtype(DType newDtype) {
        return new TinyModelSpec(hiddenSize, intermediateSize, layers, heads, kvHeads, vocabSize, newDtype, tieEmbeddings, llama3RopeScaling, shards);
    }

    public TinyModelSpec withShards(int newShards) {
        return new TinyModelSpec(hiddenSize, intermediateSize, layers, heads, kvHeads, vocabSize, dtype, tieEmbeddings, llama3RopeScaling, newShards);
    }

    public TinyModelSpec withTieEmbeddings(boolean tie) {
        return new TinyModelSpec(hiddenSize, intermediateSize, layers, heads, kvHeads, vocabSize, dtype, tie, llama3RopeScaling, shards);
    }

    public TinyModelSpec withLlama3RopeScaling(boolean scaling) {
        return new TinyModelSpec(hiddenSize, intermediateSize, layers, heads, kvHeads, vocabSize, dtype, tieEmbeddings, scaling, shards);
    }

    private static String shapeText(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int shards) {
        return "(hidden " + hidden + ", intermediate " + intermediate + ", layers " + layers + ", heads " + heads
                + ", kv heads " + kvHeads + ", vocab " + vocab + ", shards " + shards + ")";
    }
}
