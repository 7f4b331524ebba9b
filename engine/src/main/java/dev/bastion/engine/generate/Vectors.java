package dev.bastion.engine.generate;

import java.util.Arrays;

/** Embedding vector arithmetic shared by the runtime and the APIs. */
public final class Vectors {

    private Vectors() {}

    /** {@code v} scaled to unit L2 norm (a zero vector stays zero); computed in double so float rounding does not add up. */
    public static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = norm == 0 ? 0f : (float) (v[i] / norm);
        return out;
    }

    /** Ollama's {@code dimensions}: the first {@code dimensions} entries, normalized again; all of them when 0 or more. */
    public static float[] truncated(float[] v, int dimensions) {
        if (dimensions <= 0 || dimensions >= v.length) return v;
        return normalized(Arrays.copyOf(v, dimensions));
    }
}
