package dev.bastion.api.types;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /api/create} in Ollama's current form; {@code modelfile} and {@code adapters} are only read to refuse
 * them, {@code parameters} is checked as {@code options} are. {@code encrypt} (Bastion's) stores the model's blobs
 * encrypted.
 */
public record CreateRequest(String model, String name, String from, String system, String template, JsonNode parameters,
                            String quantize, Boolean stream, JsonNode modelfile, JsonNode files, JsonNode adapters,
                            Boolean encrypt) implements ModelNamed {}
