/**
 * OpenAI's wire types as Jackson-bound records, and {@link dev.bastion.api.openai.OpenAi}, the translation to and
 * from Ollama's types (the counterpart of Ollama's {@code openai/openai.go}): an OpenAI request becomes an Ollama
 * request for the one generation path, whose replies are translated back.
 */
package dev.bastion.api.openai;
