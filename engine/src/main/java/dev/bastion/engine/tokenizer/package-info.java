/**
 * Hugging Face {@code tokenizer.json} BPE tokenizers, written to match HF {@code tokenizers}: byte-level BPE
 * (GPT-2, Llama 3, Qwen2, SmolLM) and SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, Mistral).
 * <p>Known simplifications: added tokens are always matched on the raw text (HF matches {@code normalized: true}
 * ones after normalization, which only differs when the normalizer changes the text around them); BPE dropout,
 * subword prefixes/suffixes and non-BPE models (Unigram, WordPiece) are rejected or ignored as documented.
 */
package dev.bastion.engine.tokenizer;
