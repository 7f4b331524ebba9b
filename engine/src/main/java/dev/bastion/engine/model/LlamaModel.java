package dev.bastion.engine.model;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.format.TensorEntry;
import dev.bastion.engine.tensor.AttentionKernels;
import dev.bastion.engine.tensor.Matrices;
import dev.bastion.engine.tensor.Matrix;
import dev.bastion.engine.tensor.Parallel;
import dev.bastion.engine.tensor.Q8Quantizer;
import dev.bastion.engine.tensor.VectorMath;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * The Llama-family decoder (Llama 2/3, SmolLM, Qwen2, Mistral) on Vector API kernels, with the math of Hugging Face
 * transformers: RMSNorm, rotate_half RoPE (with Llama 3 scaling), grouped-query causal attention, SwiGLU MLP.
 * Sliding windows (Mistral, Qwen2 with use_sliding_window) are not applied: attention always spans the whole context,
 * which equals their output while the context fits in the window, so {@link ModelConfig} caps the positions to it.
 * Immutable after loading, so thread-safe for distinct states.
 */
public final class LlamaModel implements LanguageModel {

    private final ModelConfig config;
    private final LlamaWeights weights;
    private final RotaryEmbedding rope;
    private final AutoCloseable resources;
    private final float attentionScale;

    LlamaModel(ModelConfig config, LlamaWeights weights, AutoCloseable resources) {
        this.config = config;
        this.weights = weights;
        this.resources = resources;
        this.rope = new RotaryEmbedding(config);
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /**
     * Loads a model directory (see {@link ModelFormat#open}), checking that every tensor the config implies exists with
     * the right shape. Weights stay memory-mapped (F16 is converted to an F32 copy).
     * Problems with the directory's contents (missing or misshapen tensors, bad config.json) are IOExceptions naming the file and tensor.
     */
    public static LlamaModel load(Path modelDir) throws IOException {
        return load(modelDir, WeightFormat.AS_STORED);
    }

    /** Like {@link #load(Path)}, holding the weight matrices in {@code format}. */
    public static LlamaModel load(Path modelDir, WeightFormat format) throws IOException {
        return load(ModelFormat.open(modelDir), format);
    }

    /** Builds the model from {@code checkpoint}, which it takes over: closing the model (or a failure here) closes it. */
    static LlamaModel load(Checkpoint checkpoint, WeightFormat format) throws IOException {
        ModelConfig config = checkpoint.config();
        Arena conversions = Arena.ofShared();
        // Idempotent, as AutoCloseable asks: Arena.close() throws when the arena is already closed.
        AutoCloseable resources = () -> {
            try (checkpoint) {
                if (conversions.scope().isAlive()) conversions.close();
            }
        };
        try {
            LlamaWeights weights = LlamaWeightsLoader.load(config, new LlamaWeightsLoader.Source() {
                @Override
                public String describe() {
                    return checkpoint.path().toString();
                }

                @Override
                public long[] shape(String name) {
                    TensorEntry tensor = checkpoint.tensors().get(name);
                    return tensor == null ? null : tensor.shape();
                }

                @Override
                public Matrix matrix(String name, int rows, int cols) {
                    StorageType type = checkpoint.tensors().get(name).type();
                    Matrix stored = Matrices.of(checkpoint.data(name), type, rows, cols, conversions);
                    // Weights stored quantized (ggml blocks) are used as they are, never quantized twice.
                    boolean quantize = format == WeightFormat.Q8_0 && type.blockSize() == 1 && Q8Quantizer.canQuantize(stored);
                    return quantize ? Q8Quantizer.quantize(stored, conversions) : stored;
                }

                @Override
                public float[] vector(String name) {
                    return checkpoint.readFloats(name);
                }
            });
            return new LlamaModel(config, weights, resources);
        } catch (IllegalArgumentException e) {
            IOException invalid = new IOException(e.getMessage(), e);
            closeQuietly(resources, invalid);
            throw invalid;
        } catch (RuntimeException | Error e) {
            // Errors too: an F16 widening or Q8 copy of a model too large for memory fails with OutOfMemoryError.
            closeQuietly(resources, e);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable resources, Throwable cause) {
        try {
            resources.close();
        } catch (Exception suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public LlamaState newState(int contextLength) {
        if (contextLength < 1) throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        if ((long) contextLength * config.kvDim() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context length " + contextLength + " is too large for a KV cache of "
                    + config.kvDim() + " floats per position");
        }
        return new LlamaState(this, contextLength);
    }

    @Override
    public float[] forward(InferenceState state, int token, int pos) {
        LlamaState s = own(state);
        s.oneToken[0] = token;
        run(s, s.oneToken, 0, 1, pos);
        weights.lmHead().matVec(s.normed[0], s.logits);   // logits = self.lm_head(hidden_states)
        return s.logits;
    }

    /** Batched prefill: runs the tokens {@link LlamaState#BATCH} at a time as matrix-matrix products. */
    @Override
    public float[] prefill(InferenceState state, int[] tokens, int startPos) {
        LlamaState s = own(state);
        if (tokens.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        validate(s, tokens, 0, tokens.length, startPos);
        int last = 0;
        for (int off = 0; off < tokens.length; off += LlamaState.BATCH) {
            last = Math.min(LlamaState.BATCH, tokens.length - off);
            run(s, tokens, off, last, startPos + off);
        }
        weights.lmHead().matVec(s.normed[last - 1], s.logits); // logits = self.lm_head(hidden_states[:, -1, :])
        return s.logits;
    }

    /**
     * A sentence embedding: runs {@code tokens} from position 0 (discarding what {@code state} held), averages the
     * final-normed hidden states and L2-normalizes the mean.
     */
    @Override
    public float[] embed(InferenceState state, int[] tokens) {
        return dev.bastion.engine.generate.Vectors.normalized(meanHidden(state, tokens));
    }

    /** The mean of the final-normed hidden states of {@code tokens}, run from position 0; not normalized. */
    @Override
    public float[] meanHidden(InferenceState state, int[] tokens) {
        LlamaState s = own(state);
        if (tokens.length == 0) throw new IllegalArgumentException("embed needs at least one token");
        s.filled = 0;
        validate(s, tokens, 0, tokens.length, 0);
        int hidden = config.hiddenSize();
        double[] sum = new double[hidden];
        for (int off = 0; off < tokens.length; off += LlamaState.BATCH) {
            int count = Math.min(LlamaState.BATCH, tokens.length - off);
            run(s, tokens, off, count, off);
            for (int t = 0; t < count; t++) {
                for (int i = 0; i < hidden; i++) sum[i] += s.normed[t][i];
            }
        }
        float[] out = new float[hidden];
        for (int i = 0; i < hidden; i++) out[i] = (float) (sum[i] / tokens.length);
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing model weights failed: " + e.getMessage(), e);
        }
    }

    private LlamaState own(InferenceState state) {
        if (!(state instanceof LlamaState s) || s.model != this) {
            throw new IllegalArgumentException("inference state was not created by this model");
        }
        return s;
    }

    /** Checks a whole request before any of it runs, so a bad token late in a prompt does not leave half a cache. */
    private void validate(LlamaState s, int[] tokens, int off, int count, int startPos) {
        if (startPos < 0 || startPos > s.filled) {
            String held = s.filled == 0 ? "the state is empty" : "the state holds positions 0.." + (s.filled - 1);
            throw new IllegalArgumentException("position " + startPos + " is invalid: " + held + ", so the next one must be at most " + s.filled);
        }
        if ((long) startPos + count > s.contextLength()) {
            throw new IllegalArgumentException("position " + ((long) startPos + count - 1) + " exceeds the context length " + s.contextLength());
        }
        int vocab = weights.embedTokens().rows();
        for (int t = off; t < off + count; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[t] + " at index " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /**
     * Runs {@code count} (≤ BATCH) tokens at positions {@code startPos...} through all layers, filling the KV cache;
     * leaves the final-normed hidden state of token {@code t} in {@code s.normed[t]}.
     */
    private void run(LlamaState s, int[] tokens, int off, int count, int startPos) {
        validate(s, tokens, off, count, startPos);
        s.ensureCapacity(startPos + count);
        // Positions past the new end are stale from here on, even if a layer below throws.
        s.filled = startPos;
        for (int t = 0; t < count; t++) {
            weights.embedTokens().copyRow(tokens[off + t], s.residual[t]); // hidden_states = self.embed_tokens(input_ids)
            rope.angles(startPos + t, s.cos[t], s.sin[t]);                  // cos, sin = self.rotary_emb(hidden_states, position_ids)
        }
        for (int l = 0; l < weights.layers().size(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            // One LlamaDecoderLayer: pre-norm attention, then pre-norm MLP, each added to the residual stream.
            rmsNorm(s, w.inputNorm(), count);             // hidden_states = self.input_layernorm(residual)
            attention(s, w, l, count, startPos);          // hidden_states = residual + self.self_attn(hidden_states)
            rmsNorm(s, w.postAttentionNorm(), count);     // hidden_states = self.post_attention_layernorm(residual)
            mlp(s, w, count);                             // hidden_states = residual + self.mlp(hidden_states)
        }
        rmsNorm(s, weights.finalNorm(), count);           // hidden_states = self.norm(hidden_states)
        s.filled = startPos + count;
    }

    /** {@code normed = rmsNorm(residual) * weight} for each token of the batch. */
    private void rmsNorm(LlamaState s, float[] weight, int count) {
        for (int t = 0; t < count; t++) VectorMath.rmsNorm(s.normed[t], s.residual[t], weight, config.rmsNormEps());
    }

    /** LlamaAttention.forward on {@code s.normed}, its output added to {@code s.residual}; fills layer {@code l}'s cache. */
    private void attention(LlamaState s, LlamaWeights.Layer w, int l, int count, int startPos) {
        int kvDim = config.kvDim();
        int qDim = config.numHeads() * config.headDim();
        product(w.qkv(), s.normed, s.qkv, count);         // q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        for (int t = 0; t < count; t++) {
            int pos = startPos + t;
            float[] qkv = s.qkv[t];
            if (w.qkvBias() != null) VectorMath.addInPlace(qkv, w.qkvBias(), qkv.length); // (the projections' bias=True)
            // q, k = apply_rotary_pos_emb(q, k, cos, sin)
            rope.apply(qkv, 0, config.numHeads(), config.headDim(), s.cos[t], s.sin[t]);
            rope.apply(qkv, qDim, config.numKvHeads(), config.headDim(), s.cos[t], s.sin[t]);
            // k, v = past_key_value.update(k, v, self.layer_idx)
            float[] keys = s.keys[l];
            for (int i = 0; i < kvDim; i++) keys[i * s.capacity + pos] = qkv[qDim + i];
            System.arraycopy(qkv, qDim + kvDim, s.values[l], pos * kvDim, kvDim);
        }
        // attn_output = softmax(q @ repeat_kv(k).T * self.scaling + causal_mask) @ repeat_kv(v)
        // Causal: token t sees positions up to its own, all of which are in the cache now.
        attend(s, l, count, startPos);
        product(w.o(), s.attention, s.projected, count);  // attn_output = self.o_proj(attn_output)
        addToResidual(s, count);                          // hidden_states = residual + hidden_states
    }

    /** LlamaMLP.forward on {@code s.normed}, its output added to {@code s.residual}. */
    private void mlp(LlamaState s, LlamaWeights.Layer w, int count) {
        int inter = config.intermediateSize();
        product(w.gateUp(), s.normed, s.gateUp, count);   // gate, up = self.gate_proj(x), self.up_proj(x)
        for (int t = 0; t < count; t++) VectorMath.siluMul(s.gateUp[t], inter, inter); // self.act_fn(gate) * up
        product(w.down(), s.gateUp, s.projected, count);  // down_proj = self.down_proj(act_fn(gate) * up)
        addToResidual(s, count);                          // hidden_states = residual + hidden_states
    }

    /**
     * {@code outs[t] = m · xs[t]} for the batch. One token (decode) takes the matrices' matVec kernels, which run several
     * rows per pass over the activations (independent fma chains, each activation load shared); their results equal
     * matMul's bit for bit.
     */
    private static void product(Matrix m, float[][] xs, float[][] outs, int count) {
        if (count == 1) m.matVec(xs[0], outs[0]);
        else m.matMul(xs, outs, count);
    }

    private void addToResidual(LlamaState s, int count) {
        for (int t = 0; t < count; t++) VectorMath.addInPlace(s.residual[t], s.projected[t], config.hiddenSize());
    }

    /**
     * Grouped-query attention of the batch's tokens over the cached positions up to each one's own, in one parallel
     * job per layer with heads split across cores; each head reuses its cached keys and values for all the tokens.
     */
    private void attend(LlamaState s, int l, int count, int startPos) {
        int headDim = config.headDim();
        int kvDim = config.kvDim();
        int groupSize = config.numHeads() / config.numKvHeads();
        int capacity = s.capacity;
        float[] keys = s.keys[l];
        float[] values = s.values[l];
        long work = 2L * count * (startPos + (count + 1) / 2) * headDim;
        Parallel.forRange(config.numHeads(), work, (from, to) -> {
            for (int h = from; h < to; h++) {
                float[] score = s.scores[h];
                int qOff = h * headDim;
                int kvHead = h / groupSize;
                for (int t = 0; t < count; t++) {
                    int positions = startPos + t + 1;
                    AttentionKernels.scores(s.qkv[t], qOff, keys, kvHead * headDim * capacity, capacity, headDim,
                            positions, attentionScale, score);
                    VectorMath.softmax(score, positions);
                    AttentionKernels.weightedSum(score, positions, values, kvHead * headDim, kvDim, headDim, s.attention[t], qOff);
                }
            }
        });
    }
}
