"""Writes the ggml block test vectors used by GgmlReferenceTest (see README.md). Run: python generate.py"""
import numpy as np
from gguf import GGMLQuantizationType as T, quants

rng = np.random.default_rng(11)


def f16_scales(n, low, high):
    """Random positive F16 scales, so random K blocks hold finite, realistic values."""
    return rng.uniform(low, high, size=(n, 1)).astype(np.float16).view(np.uint8)


def write(name, blocks, values):
    blocks.astype(np.uint8).tofile(f"{name}.blocks")
    values.astype("<f4").tofile(f"{name}.dequant.f32")


# Q8_0 and Q4_0: gguf quantizes these bit-exactly like ggml's quantize_row_*_ref; record input, blocks, dequantized.
weights = rng.standard_normal(2048).astype(np.float32) * 0.05
weights[0:32] = 0                      # an all-zero block (scale 0)
weights[32:64] = rng.standard_normal(32) * 1e-4
weights[64] = 3.0                      # one outlier dominating its block
weights[100] = -2.5                    # a negative maximum (Q4_0 keeps the sign of the max)
weights.astype("<f4").tofile("input.f32")
for name, qtype in (("q8_0", T.Q8_0), ("q4_0", T.Q4_0)):
    blocks = quants.quantize(weights, qtype)
    write(name, blocks, quants.dequantize(blocks, qtype))

# K types: gguf only dequantizes them, so record random super-blocks (random quants and 6-bit scales) and their values.
n = 8
q4k = np.concatenate([f16_scales(n, 1e-4, 2e-3), f16_scales(n, 1e-4, 2e-3),
                      rng.integers(0, 256, (n, 12 + 128))], axis=1)
q5k = np.concatenate([f16_scales(n, 1e-4, 2e-3), f16_scales(n, 1e-4, 2e-3),
                      rng.integers(0, 256, (n, 12 + 32 + 128))], axis=1)
q6k = np.concatenate([rng.integers(0, 256, (n, 128 + 64 + 16)), f16_scales(n, 1e-4, 2e-3)], axis=1)
for name, qtype, blocks in (("q4_k", T.Q4_K, q4k), ("q5_k", T.Q5_K, q5k), ("q6_k", T.Q6_K, q6k)):
    blocks = blocks.astype(np.uint8)
    write(name, blocks, quants.dequantize(blocks.reshape(-1), qtype))
