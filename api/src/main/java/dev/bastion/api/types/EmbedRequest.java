package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.bastion.api.KeepAlive;

import java.util.List;

/**
 * {@code POST /api/embed}: one input or several.
 *
 * @param truncate false: an input longer than the context is an error instead of being cut (Ollama's default true)
 * @param dimensions above 0: vectors cut to this many entries and normalized again
 */
public record EmbedRequest(String model, String name, @JsonDeserialize(using = StringOrStrings.class) List<String> input,
                           @JsonProperty("keep_alive") KeepAlive keepAlive, Boolean truncate, Integer dimensions) implements ModelNamed {}
