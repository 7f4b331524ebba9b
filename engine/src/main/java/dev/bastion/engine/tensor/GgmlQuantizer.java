package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;

/**
 * F32 → ggml blocks, with the semantics of ggml's reference quantizers ({@code quantize_row_*_ref}, the ones used
 * without an importance matrix), so a file we write quantizes as llama.cpp's tools would. Our own Java; the block
 * layouts are those the {@code Ggml*Matrix} kernels read.
 */
public final class GgmlQuantizer {

    private static final float GROUP_MAX_EPS = 1e-15f;

    private GgmlQuantizer() {}

    /** Whether {@code type} is one this class writes. */
    public static boolean supports(StorageType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Quantizes all of {@code x} (whole blocks) into a new array of {@code type.bytesFor(x.length)} bytes. */
    public static byte[] quantize(StorageType type, float[] x) {
        if (!supports(type)) throw new IllegalArgumentException("cannot quantize to " + type);
        byte[] out = new byte[Math.toIntExact(type.bytesFor(x.length))];
        quantizeRow(type, x, 0, x.length, out, 0);
        return out;
    }

    /** Quantizes {@code x[from .. from + count)} (whole blocks) into {@code out} from {@code at}. */
    public static void quantizeRow(StorageType type, float[] x, int from, int count, byte[] out, int at) {
        if (!supports(type)) throw new IllegalArgumentException("cannot quantize to " + type);
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " weights do not fill whole " + type + " blocks of " + type.blockSize());
        }
        for (int b = 0; b < count / type.blockSize(); b++) {
            int src = from + b * type.blockSize(), dst = at + b * type.bytesPerBlock();
            switch (type) {
                case Q8_0 -> q8_0(x, src, out, dst);
                case Q4_0 -> q4_0(x, src, out, dst);
                case Q4_K -> q4K(x, src, out, dst);
                case Q5_K -> q5K(x, src, out, dst);
                case Q6_K -> q6K(x, src, out, dst);
                default -> throw new IllegalStateException(type.name());
            }
        }
    }

    private static void q8_0(float[] x, int src, byte[] out, int at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[src + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        putHalf(out, at, d);
        for (int j = 0; j < 32; j++) out[at + 2 + j] = (byte) roundHalfAway(x[src + j] * id);
    }

    private static void q4_0(float[] x, int src, byte[] out, int at) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[src + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        putHalf(out, at, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[src + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[src + 16 + j] * id + 8.5f));
            out[at + 2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    private static void q4K(float[] x, int src, byte[] out, int at) {
        int[] levels = new int[256];
        packScalesAndMins(x, src, 15, -1f, 0.1f, 20, levels, out, at);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) out[at + 16 + 32 * g + l] = (byte) (levels[64 * g + l] | levels[64 * g + 32 + l] << 4);
        }
    }

    private static void q5K(float[] x, int src, byte[] out, int at) {
        int[] levels = new int[256];
        packScalesAndMins(x, src, 31, -0.5f, 0.1f, 15, levels, out, at);
        for (int l = 0; l < 32; l++) out[at + 16 + l] = 0;
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int low = levels[64 * g + l], high = levels[64 * g + 32 + l];
                int qh = out[at + 16 + l] & 0xFF;
                if (low > 15) qh |= 1 << (2 * g);
                if (high > 15) qh |= 1 << (2 * g + 1);
                out[at + 16 + l] = (byte) qh;
                out[at + 48 + 32 * g + l] = (byte) ((low & 0xF) | (high & 0xF) << 4);
            }
        }
    }

    /**
     * Q4_K/Q5_K's common part: per 32-weight sub-block an asymmetric scale and min fitted by weighted least squares
     * (ggml's make_qkx2_quants), both quantized to 6 bits against the super-block's F16 {@code d} and {@code dmin}
     * and packed as get_scale_min_k4 reads them; then every weight is re-quantized against the stored scales.
     */
    private static void packScalesAndMins(float[] x, int src, int nmax, float rmin, float rdelta, int nstep,
                                          int[] levels, byte[] out, int at) {
        float[] scales = new float[8], mins = new float[8], weights = new float[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int off = src + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[off + l] * x[off + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[off + l]);
            scales[j] = fitScaleAndMin(32, nmax, x, off, weights, levels, 32 * j, mins, j, rmin, rdelta, nstep);
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int k = 0; k < 12; k++) out[at + 4 + k] = 0;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                out[at + 4 + j] = (byte) ls;
                out[at + 4 + j + 4] = (byte) lm;
            } else {
                out[at + 4 + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                out[at + 4 + j - 4] |= (byte) ((ls >> 4) << 6);
                out[at + 4 + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putHalf(out, at, maxScale / 63f);
        putHalf(out, at + 2, maxMin / 63f);
        float d = halfAt(out, at), dmin = halfAt(out, at + 2);
        for (int j = 0; j < 8; j++) {
            float dj = d * scaleMin(out, at + 4, j, 0);
            if (dj == 0) continue;
            float mj = dmin * scaleMin(out, at + 4, j, 1);
            for (int l = 0; l < 32; l++) {
                levels[32 * j + l] = Math.max(0, Math.min(nmax, nearestInt((x[src + 32 * j + l] + mj) / dj)));
            }
        }
    }

    /**
     * ggml's make_qkx2_quants: the scale and min ({@code x ≈ scale * l - min}, {@code l in [0, nmax]}) minimizing the
     * weighted squared error over a few candidate scales; returns the scale, stores the min in {@code mins[slot]}.
     */
    private static float fitScaleAndMin(int n, int nmax, float[] x, int off, float[] w, int[] levels, int lOff,
                                        float[] mins, int slot, float rmin, float rdelta, int nstep) {
        float min = x[off], max = x[off];
        float sumW = w[0], sumX = sumW * x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (v < min) min = v;
            if (v > max) max = v;
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) levels[lOff + i] = 0;
            mins[slot] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[off + i] - min))));
            levels[lOff + i] = l;
            float diff = scale * l + min - x[off + i];
            bestError += w[i] * (diff * diff);
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[off + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[off + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[off + i];
                    error += w[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lOff, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[slot] = -min;
        return scale;
    }

    private static void q6K(float[] x, int src, byte[] out, int at) {
        int[] levels = new int[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = fitSymmetricScale(16, 32, x, src + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        java.util.Arrays.fill(out, at, at + 210, (byte) 0);
        if (maxAbsScale < GROUP_MAX_EPS) return; // all zero: d = 0
        float iscale = -128f / maxScale;
        putHalf(out, at + 208, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) out[at + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        float d = halfAt(out, at + 208);
        for (int j = 0; j < 16; j++) {
            float dj = d * out[at + 192 + j];
            if (dj == 0) continue;
            for (int i = 0; i < 16; i++) levels[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(x[src + 16 * j + i] / dj))) + 32;
        }
        for (int half = 0; half < 2; half++) {
            int j = 128 * half, ql = at + 64 * half, qh = at + 128 + 32 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                out[ql + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                out[ql + l + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                out[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }

    /**
     * ggml's make_qx_quants with rmse_type 1 (weights {@code x²}): a signed scale for {@code x ≈ scale * l},
     * {@code l in [-nmax, nmax)}, best of 19 candidates by weighted least squares; stores {@code l + nmax}.
     */
    private static float fitSymmetricScale(int n, int nmax, float[] x, int off, int[] levels, int lOff) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[off + i]);
            if (ax > amax) {
                amax = ax;
                max = x[off + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[lOff + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            levels[lOff + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[off + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[lOff + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[off + i])));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /** ggml's nearest_int: round half to even, as its float trick does. */
    private static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /** C's roundf: halves away from zero. */
    private static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    private static int scaleMin(byte[] b, int scales, int j, int which) {
        if (j < 4) return b[scales + j + 4 * which] & 63;
        int q = b[scales + j + 4] & 0xFF;
        int low = which == 0 ? q & 0xF : q >> 4;
        return low | ((b[scales + j - 4 * (1 - which)] & 0xFF) >> 6) << 4;
    }

    private static void putHalf(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    private static float halfAt(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xFF) | b[at + 1] << 8));
    }
}
