/**
 * OpenAI's Responses API ({@code POST /v1/responses}) as a translation layer onto Ollama's chat, the subset Ollama
 * serves (its {@code openai/responses.go}): no stored responses, no {@code previous_response_id}.
 */
package dev.bastion.api.responses;
