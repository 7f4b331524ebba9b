/**
 * GGUF, llama.cpp's model file: {@link dev.bastion.engine.gguf.GgufFile} maps and strictly validates one,
 * {@link dev.bastion.engine.gguf.GgufWriter} writes one (tests, bench, quantizer).
 */
package dev.bastion.engine.gguf;
