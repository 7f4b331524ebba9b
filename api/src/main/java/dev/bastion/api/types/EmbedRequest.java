package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.bastion.api.KeepAlive;

import java.util.List;

/** {@code POST /api/embed}: one input or several. */
public record EmbedRequest(String model, String name, @JsonDeserialize(using = StringOrStrings.class) List<String> input,
                           @JsonProperty("keep_alive") KeepAlive keepAlive) implements ModelNamed {}
