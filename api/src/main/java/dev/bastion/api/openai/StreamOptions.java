package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code stream_options}. */
public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {

    public boolean usage() {
        return Boolean.TRUE.equals(includeUsage);
    }
}
