package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.KeepAlive;

/**
 * {@code POST /api/generate}; also what OpenAI's completions translate to.
 *
 * @param name older clients' spelling of {@code model}
 * @param template a Go template overriding the model's, or null
 * @param raw the prompt goes to the model as is, without any template
 * @param images only read to refuse it
 * @param suffix the text after the insertion point (fill-in-the-middle)
 * @param context the tokens a previous reply returned as {@code context}, to continue from
 * @param think true, false, "low", "medium" or "high"
 * @param truncate false: a prompt too long for the context is an error instead of being cut
 */
public record GenerateRequest(String model, String name, String prompt, String system, String template, Boolean raw,
                              Boolean stream, JsonNode format, Options options,
                              @JsonProperty("keep_alive") KeepAlive keepAlive, JsonNode images, String suffix, int[] context,
                              JsonNode think, Boolean truncate, Boolean logprobs,
                              @JsonProperty("top_logprobs") Integer topLogprobs) implements ModelNamed {

    public GenerateRequest(String model, String name, String prompt, String system, String template, Boolean raw,
                           Boolean stream, JsonNode format, Options options, KeepAlive keepAlive, JsonNode images) {
        this(model, name, prompt, system, template, raw, stream, format, options, keepAlive, images, null, null, null, null, null, null);
    }
}
