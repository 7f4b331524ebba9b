/**
 * Bastion's HTTP server: {@link dev.bastion.api.BastionServer} serves Ollama's API ({@code /api/*}, NDJSON streaming)
 * and OpenAI's ({@code /v1/*}, SSE streaming) over a {@link dev.bastion.api.ModelCatalog} (the store, see
 * {@link dev.bastion.api.StoreCatalog}) and a {@link dev.bastion.api.ModelScheduler} (load on first use, keep_alive,
 * LRU eviction under a memory budget, per-model parallelism with a fair queue).
 *
 * <p>Errors are {@code {"error": "…"}} under {@code /api} and OpenAI's {@code {"error": {message, type, param, code}}}
 * under {@code /v1}; only {@link dev.bastion.api.ApiException} messages reach clients, everything else is a logged
 * generic 500. A streaming client that disconnects cancels its generation at the next token. Ollama's {@code format}
 * and OpenAI's {@code response_format} are honoured by constrained decoding in the engine.
 */
package dev.bastion.api;
