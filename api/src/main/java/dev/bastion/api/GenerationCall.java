package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.GenerationOptions;

/**
 * One generation as every endpoint asks for it (Ollama's chat and generate, OpenAI's chat completions and
 * completions), handed to the one generation path.
 *
 * @param model the model as the client named it (echoed in replies)
 * @param storedModel the canonical stored name the scheduler keys on
 * @param prompt what to generate from; null: only load (or unload) the model
 * @param format null, or "json" or a JSON schema the reply must satisfy
 */
public record GenerationCall(Caller caller, String model, String storedModel, Prompt prompt, GenerationOptions options,
                             KeepAlive keepAlive, boolean stream, JsonNode format) {

    public boolean loadOnly() {
        return prompt == null;
    }
}
