package dev.bastion.web.conversations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;

import java.util.List;

/** The JSON shapes of the conversations API (also the JSON export). */
final class ConversationViews {

    private ConversationViews() {}

    record Page(List<Summary> conversations, int limit, int offset) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Summary(String id, String title, String model, @JsonProperty("created_at") String createdAt,
                   @JsonProperty("updated_at") String updatedAt) {
        static Summary of(Conversation c) {
            return new Summary(c.id(), c.title(), c.model(), c.createdAt().toString(), c.updatedAt().toString());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Full(String id, String title, String model, String system, @JsonRawValue String options,
                @JsonProperty("created_at") String createdAt, @JsonProperty("updated_at") String updatedAt,
                List<MessageView> messages) {
        static Full of(Conversation c) {
            return new Full(c.id(), c.title(), c.model(), c.system(), c.optionsJson(), c.createdAt().toString(),
                    c.updatedAt().toString(), c.messages().stream().map(MessageView::of).toList());
        }
    }

    /** Raw JSON fields are only ever what {@link Texts} parsed and re-serialised or the server serialised: valid JSON. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MessageView(int position, String role, String content, String thinking,
                       @JsonProperty("tool_calls") @JsonRawValue String toolCalls,
                       @JsonProperty("prompt_tokens") Integer promptTokens,
                       @JsonProperty("generated_tokens") Integer generatedTokens,
                       @JsonProperty("tokens_per_second") Double tokensPerSecond, Long credits,
                       @JsonProperty("created_at") String createdAt,
                       @JsonProperty("tool_results") @JsonRawValue String toolResults,
                       @JsonProperty("done_reason") String doneReason) {
        static MessageView of(Message m) {
            return new MessageView(m.position(), m.role(), m.content(), m.thinking(), m.toolCallsJson(), m.promptTokens(),
                    m.generatedTokens(), m.tokensPerSecond(), m.credits(), m.createdAt().toString(), m.toolResultsJson(),
                    m.doneReason());
        }
    }
}
