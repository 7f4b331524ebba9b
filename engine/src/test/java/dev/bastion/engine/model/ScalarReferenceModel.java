package dev.bastion.engine.model;

import dev.bastion.engine.safetensors.WeightSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * An independent, deliberately naive implementation of the Hugging Face Llama/Qwen2/Mistral forward pass: plain loops,
 * double accumulation, weights as F32 arrays. It shares nothing with {@link LlamaModel} except {@link ModelConfig},
 * so agreement between the two is evidence both follow the HF math.
 */
public final class ScalarReferenceModel implements LanguageModel {

    private final ModelConfig c;
    private final float[] embed;
    private final float[][] inputNorm, wq, wk, wv, bq, bk, bv, wo, postNorm, wGate, wUp, wDown;
    private final float[] finalNorm;
    private final float[] lmHead;
    private final double[] invFreq;

    /** @param tensors returns the named tensor as F32 (row-major), or null if the checkpoint has no such tensor */
    public ScalarReferenceModel(ModelConfig config, Function<String, float[]> tensors) {
        this.c = config;
        int n = config.numLayers();
        embed = tensors.apply("model.embed_tokens.weight");
        inputNorm = new float[n][];
        wq = new float[n][];
        wk = new float[n][];
        wv = new float[n][];
        bq = new float[n][];
        bk = new float[n][];
        bv = new float[n][];
        wo = new float[n][];
        postNorm = new float[n][];
        wGate = new float[n][];
        wUp = new float[n][];
        wDown = new float[n][];
        for (int l = 0; l < n; l++) {
            String p = "model.layers." + l + ".";
            inputNorm[l] = tensors.apply(p + "input_layernorm.weight");
            wq[l] = tensors.apply(p + "self_attn.q_proj.weight");
            wk[l] = tensors.apply(p + "self_attn.k_proj.weight");
            wv[l] = tensors.apply(p + "self_attn.v_proj.weight");
            if (config.qkvBias()) {
                bq[l] = tensors.apply(p + "self_attn.q_proj.bias");
                bk[l] = tensors.apply(p + "self_attn.k_proj.bias");
                bv[l] = tensors.apply(p + "self_attn.v_proj.bias");
            }
            wo[l] = tensors.apply(p + "self_attn.o_proj.weight");
            postNorm[l] = tensors.apply(p + "post_attention_layernorm.weight");
            wGate[l] = tensors.apply(p + "mlp.gate_proj.weight");
            wUp[l] = tensors.apply(p + "mlp.up_proj.weight");
            wDown[l] = tensors.apply(p + "mlp.down_proj.weight");
        }
        finalNorm = tensors.apply("model.norm.weight");
        float[] head = tensors.apply("lm_head.weight");
        lmHead = head != null ? head : embed;
        invFreq = ropeFrequencies(config);
    }

    /** Reads config.json and every tensor (as F32 copies) of a model directory. */
    public static ScalarReferenceModel load(Path modelDir) throws IOException {
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        try (WeightSet weights = WeightSet.open(modelDir)) {
            return new ScalarReferenceModel(config, name -> weights.contains(name) ? weights.readFloats(name) : null);
        }
    }

    /** HF {@code _compute_default_rope_parameters} followed by {@code _compute_llama3_parameters} when configured. */
    private static double[] ropeFrequencies(ModelConfig c) {
        int d = c.headDim();
        double[] inv = new double[d / 2];
        for (int i = 0; i < d / 2; i++) inv[i] = 1.0 / Math.pow(c.ropeTheta(), (double) (2 * i) / d);
        ModelConfig.RopeScaling rs = c.ropeScaling();
        if (rs == null) return inv;
        double lowWavelen = rs.originalMaxPositionEmbeddings() / (double) rs.lowFreqFactor();
        double highWavelen = rs.originalMaxPositionEmbeddings() / (double) rs.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double scaled = wavelen > lowWavelen ? inv[i] / rs.factor() : inv[i];
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                double smooth = (rs.originalMaxPositionEmbeddings() / wavelen - rs.lowFreqFactor()) / (rs.highFreqFactor() - rs.lowFreqFactor());
                scaled = (1 - smooth) * scaled / rs.factor() + smooth * scaled;
            }
            inv[i] = scaled;
        }
        return inv;
    }

    /** KV cache of the reference: plain per-position arrays. */
    public static final class State implements InferenceState {
        private final int contextLength;
        final float[][][] keys;   // [layer][pos][kvDim]
        final float[][][] values;
        final float[] lastHidden;

        State(ModelConfig c, int contextLength) {
            this.contextLength = contextLength;
            keys = new float[c.numLayers()][contextLength][];
            values = new float[c.numLayers()][contextLength][];
            lastHidden = new float[c.hiddenSize()];
        }

        @Override
        public int contextLength() {
            return contextLength;
        }
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public State newState(int contextLength) {
        return new State(c, contextLength);
    }

    @Override
    public float[] forward(InferenceState state, int token, int pos) {
        float[] h = hidden((State) state, token, pos);
        return linear(lmHead, h, c.vocabSize(), c.hiddenSize(), null);
    }

    /** Mean of the final-normed hidden states, L2-normalized. */
    @Override
    public float[] embed(InferenceState state, int[] tokens) {
        double[] sum = new double[c.hiddenSize()];
        for (int t = 0; t < tokens.length; t++) {
            float[] h = hidden((State) state, tokens[t], t);
            for (int i = 0; i < sum.length; i++) sum[i] += h[i];
        }
        double norm = 0;
        for (double v : sum) norm += v * v;
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) out[i] = (float) (sum[i] / Math.sqrt(norm));
        return out;
    }

    /** The final-normed hidden state of {@code token} at {@code pos}. */
    private float[] hidden(State s, int token, int pos) {
        int hd = c.headDim();
        int hidden = c.hiddenSize();
        int qDim = c.numHeads() * hd;
        float[] x = new float[hidden];
        System.arraycopy(embed, token * hidden, x, 0, hidden);
        for (int l = 0; l < c.numLayers(); l++) {
            float[] xn = rmsNorm(x, inputNorm[l]);
            float[] q = linear(wq[l], xn, qDim, hidden, bq[l]);
            float[] k = linear(wk[l], xn, c.kvDim(), hidden, bk[l]);
            float[] v = linear(wv[l], xn, c.kvDim(), hidden, bv[l]);
            rotateHalf(q, c.numHeads(), pos);
            rotateHalf(k, c.numKvHeads(), pos);
            s.keys[l][pos] = k;
            s.values[l][pos] = v;
            float[] att = new float[qDim];
            int group = c.numHeads() / c.numKvHeads();
            for (int h = 0; h < c.numHeads(); h++) {
                int kvh = h / group;
                double[] w = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) dot += (double) q[h * hd + i] * s.keys[l][t][kvh * hd + i];
                    w[t] = dot / Math.sqrt(hd);
                    max = Math.max(max, w[t]);
                }
                double total = 0;
                for (int t = 0; t <= pos; t++) {
                    w[t] = Math.exp(w[t] - max);
                    total += w[t];
                }
                for (int i = 0; i < hd; i++) {
                    double acc = 0;
                    for (int t = 0; t <= pos; t++) acc += w[t] / total * s.values[l][t][kvh * hd + i];
                    att[h * hd + i] = (float) acc;
                }
            }
            float[] o = linear(wo[l], att, hidden, qDim, null);
            for (int i = 0; i < hidden; i++) x[i] += o[i];
            float[] xn2 = rmsNorm(x, postNorm[l]);
            float[] g = linear(wGate[l], xn2, c.intermediateSize(), hidden, null);
            float[] u = linear(wUp[l], xn2, c.intermediateSize(), hidden, null);
            float[] act = new float[g.length];
            for (int i = 0; i < g.length; i++) act[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
            float[] d = linear(wDown[l], act, hidden, c.intermediateSize(), null);
            for (int i = 0; i < hidden; i++) x[i] += d[i];
        }
        float[] out = rmsNorm(x, finalNorm);
        System.arraycopy(out, 0, s.lastHidden, 0, hidden);
        return out;
    }

    private float[] rmsNorm(float[] x, float[] w) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        double r = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] * r * w[i]);
        return out;
    }

    /** {@code W x + b} for a row-major {@code [rows, cols]} W (HF nn.Linear layout). */
    private static float[] linear(float[] w, float[] x, int rows, int cols, float[] bias) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double acc = bias == null ? 0 : bias[r];
            for (int i = 0; i < cols; i++) acc += (double) w[r * cols + i] * x[i];
            out[r] = (float) acc;
        }
        return out;
    }

    /** HF {@code apply_rotary_pos_emb}: {@code x * cos + rotate_half(x) * sin}, rotate_half(x) = cat(-x2, x1). */
    private void rotateHalf(float[] x, int heads, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            float[] head = new float[hd];
            System.arraycopy(x, h * hd, head, 0, hd);
            for (int i = 0; i < hd; i++) {
                double angle = pos * invFreq[i % half];
                double rotated = i < half ? -head[i + half] : head[i - half];
                x[h * hd + i] = (float) (head[i] * Math.cos(angle) + rotated * Math.sin(angle));
            }
        }
    }
}
