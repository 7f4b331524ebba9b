package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products of one attention head, on a KV cache whose keys are stored transposed ({@code [dim][position]}):
 * scores for many positions at once are then lane-wise multiply-adds, with no horizontal sum per position. Every
 * result element is summed in a fixed order (a chain of fmas over the head dimension, or over positions), the same in
 * the vector lanes and the scalar tails, so a token's attention does not depend on how its prompt was batched.
 */
public final class AttentionKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private AttentionKernels() {}

    /**
     * {@code scores[p] = scale * Σ_d q[qOff + d] * keysT[kOff + d * stride + p]} for {@code p < positions}.
     *
     * @param stride distance between the rows of one head's transposed keys (the cache's capacity in positions)
     */
    public static void scores(float[] q, int qOff, float[] keysT, int kOff, int stride, int headDim, int positions,
                              float scale, float[] scores) {
        int lanes = F.length();
        int p = 0;
        for (; p + 4 * lanes <= positions; p += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < headDim; d++) {
                FloatVector qd = FloatVector.broadcast(F, q[qOff + d]);
                int row = kOff + d * stride + p;
                a0 = qd.fma(FloatVector.fromArray(F, keysT, row), a0);
                a1 = qd.fma(FloatVector.fromArray(F, keysT, row + lanes), a1);
                a2 = qd.fma(FloatVector.fromArray(F, keysT, row + 2 * lanes), a2);
                a3 = qd.fma(FloatVector.fromArray(F, keysT, row + 3 * lanes), a3);
            }
            a0.mul(scale).intoArray(scores, p);
            a1.mul(scale).intoArray(scores, p + lanes);
            a2.mul(scale).intoArray(scores, p + 2 * lanes);
            a3.mul(scale).intoArray(scores, p + 3 * lanes);
        }
        for (; p + lanes <= positions; p += lanes) {
            FloatVector a = FloatVector.zero(F);
            for (int d = 0; d < headDim; d++) {
                a = FloatVector.broadcast(F, q[qOff + d]).fma(FloatVector.fromArray(F, keysT, kOff + d * stride + p), a);
            }
            a.mul(scale).intoArray(scores, p);
        }
        for (; p < positions; p++) {
            float a = 0;
            for (int d = 0; d < headDim; d++) a = Math.fma(q[qOff + d], keysT[kOff + d * stride + p], a);
            scores[p] = a * scale;
        }
    }

    /**
     * {@code out[outOff + i] = Σ_p weights[p] * values[vOff + p * stride + i]} for {@code i < headDim}, summed over
     * {@code p} in order; the output stays in registers, four vectors at a time.
     */
    public static void weightedSum(float[] weights, int positions, float[] values, int vOff, int stride, int headDim,
                                   float[] out, int outOff) {
        int lanes = F.length();
        int i = 0;
        for (; i + 4 * lanes <= headDim; i += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < positions; p++) {
                FloatVector w = FloatVector.broadcast(F, weights[p]);
                int at = vOff + p * stride + i;
                a0 = w.fma(FloatVector.fromArray(F, values, at), a0);
                a1 = w.fma(FloatVector.fromArray(F, values, at + lanes), a1);
                a2 = w.fma(FloatVector.fromArray(F, values, at + 2 * lanes), a2);
                a3 = w.fma(FloatVector.fromArray(F, values, at + 3 * lanes), a3);
            }
            a0.intoArray(out, outOff + i);
            a1.intoArray(out, outOff + i + lanes);
            a2.intoArray(out, outOff + i + 2 * lanes);
            a3.intoArray(out, outOff + i + 3 * lanes);
        }
        for (; i + lanes <= headDim; i += lanes) {
            FloatVector a = FloatVector.zero(F);
            for (int p = 0; p < positions; p++) {
                a = FloatVector.broadcast(F, weights[p]).fma(FloatVector.fromArray(F, values, vOff + p * stride + i), a);
            }
            a.intoArray(out, outOff + i);
        }
        for (; i < headDim; i++) {
            float a = 0;
            for (int p = 0; p < positions; p++) a = Math.fma(weights[p], values[vOff + p * stride + i], a);
            out[outOff + i] = a;
        }
    }
}
