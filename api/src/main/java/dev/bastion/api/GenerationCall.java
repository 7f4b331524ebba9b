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
 * @param serverTools the tools the server runs for this chat; null: none
 */
public record GenerationCall(Caller caller, String model, String storedModel, Prompt prompt, GenerationOptions options,
                             KeepAlive keepAlive, boolean stream, JsonNode format, ChatTools.ServerTools serverTools) {

    public GenerationCall(Caller caller, String model, String storedModel, Prompt prompt, GenerationOptions options,
                          KeepAlive keepAlive, boolean stream, JsonNode format) {
        this(caller, model, storedModel, prompt, options, keepAlive, stream, format, null);
    }

    GenerationCall withServerTools(ChatTools.ServerTools tools) {
        return new GenerationCall(caller, model, storedModel, prompt, options, keepAlive, stream, format, tools);
    }

    /** The next step of a server-side tool loop: the same call on the conversation with {@code more} after it. */
    GenerationCall continued(java.util.List<dev.bastion.engine.template.ChatMessage> more) {
        return new GenerationCall(caller, model, storedModel, ((Prompt.Chat) prompt).continued(more), options, keepAlive,
                stream, format, serverTools);
    }

    public boolean loadOnly() {
        return prompt == null;
    }
}
