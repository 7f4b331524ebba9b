/**
 * Anthropic's Messages API ({@code POST /v1/messages}) as a translation layer onto Ollama's chat, the subset Ollama
 * serves (its {@code anthropic/anthropic.go}): requests become Ollama chat requests, replies and stream events are
 * made from the one generation path's {@code ChatResponse}s.
 */
package dev.bastion.api.anthropic;
