package dev.bastion.engine.model;

/**
 * Rotary position embedding. In Hugging Face's rotate_half layout element {@code i} of a head pairs with
 * {@code i + headDim/2}; in GGUF llama's adjacent layout {@code 2i} pairs with {@code 2i+1}; both rotated by
 * {@code pos * invFreq[i]}.
 */
final class RotaryEmbedding {

    private final float[] invFreq;
    private final ModelConfig.RopeStyle style;

    RotaryEmbedding(ModelConfig config) {
        this.invFreq = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        float[] factors = config.ropeFreqFactors();
        if (factors != null) {
            for (int i = 0; i < invFreq.length; i++) invFreq[i] /= factors[i]; // llama.cpp: theta / freq_factors[i]
        }
        this.style = config.ropeStyle();
    }

    /** Rotates {@code heads} consecutive heads of {@code x}, starting at {@code offset}, in place, in this model's style. */
    void apply(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        if (style == ModelConfig.RopeStyle.HALVES) {
            rotate(x, offset, heads, headDim, cos, sin);
            return;
        }
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < headDim / 2; i++) {
                float x1 = x[base + 2 * i];
                float x2 = x[base + 2 * i + 1];
                x[base + 2 * i] = x1 * cos[i] - x2 * sin[i];
                x[base + 2 * i + 1] = x2 * cos[i] + x1 * sin[i];
            }
        }
    }

    /** {@code inv_freq[i] = 1 / theta^(2i/d)}, then Llama 3 scaling (HF {@code _compute_llama3_parameters}) if configured. */
    static float[] inverseFrequencies(int headDim, float theta, ModelConfig.RopeScaling scaling) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) inv[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        if (scaling == null) return inv;
        double oldContext = scaling.originalMaxPositionEmbeddings();
        double lowFreqWavelen = oldContext / scaling.lowFreqFactor();
        double highFreqWavelen = oldContext / scaling.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowFreqWavelen) {
                inv[i] = inv[i] / scaling.factor();
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (oldContext / wavelen - scaling.lowFreqFactor()) / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                inv[i] = (float) ((1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i]);
            }
        }
        return inv;
    }

    /** Fills {@code cos[i]}, {@code sin[i]} (length headDim/2) for position {@code pos}. */
    void angles(int pos, float[] cos, float[] sin) {
        for (int i = 0; i < invFreq.length; i++) {
            double angle = (double) pos * invFreq[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code x} in the rotate_half layout, starting at {@code offset}, in place. */
    static void rotate(float[] x, int offset, int heads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float x1 = x[base + i];
                float x2 = x[base + i + half];
                x[base + i] = x1 * cos[i] - x2 * sin[i];
                x[base + i + half] = x2 * cos[i] + x1 * sin[i];
            }
        }
    }
}
