package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.util.List;

/** One {@code /api/generate} reply object: a {@link ChatResponse} with the text as {@code response}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateResponse(String model, @JsonProperty("created_at") String createdAt, String response, String thinking,
                               boolean done, @JsonProperty("done_reason") String doneReason, int[] context,
                               @JsonUnwrapped Metrics metrics, List<Logprob> logprobs) {

    public static GenerateResponse of(ChatResponse r) {
        return new GenerateResponse(r.model(), r.createdAt(), r.content(), r.thinking(), r.done(), r.doneReason(), r.context(),
                r.metrics(), r.logprobs());
    }
}
