package dev.bastion.web.conversations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.Access;
import dev.bastion.api.ApiException;
import dev.bastion.api.ChatSummary;
import dev.bastion.api.Chats;
import dev.bastion.api.JsonFields;
import dev.bastion.api.ServerModule;
import dev.bastion.api.ServerServices;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.Options;
import dev.bastion.security.Principal;
import dev.bastion.web.files.Uploads;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat turn on a stored conversation, {@code POST /web/api/conversations/{id}/reply}: the user's message (with the
 * text of attached files) joins the stored history, which the server's chat path answers as the caller ({@link Chats}:
 * the same visibility, credits, tools and cancellation as {@code /api/chat}), streamed as {@code /api/chat}'s NDJSON.
 * When the generation ends, also because the client went away (the Stop button aborts the request), the user's
 * message and exactly one reply are stored together, with the reply's counts, credits, tool calls and results. A
 * turn refused before it ran (unknown model, no credits) stores nothing. {@code regenerate} drops the last reply and
 * answers the last user message again.
 */
public final class ChatTurnsModule implements ServerModule {

    private final ConversationStore store;
    private final Uploads uploads;
    private Chats chats;

    public ChatTurnsModule(ConversationStore store, Uploads uploads) {
        this.store = store;
        this.uploads = uploads;
    }

    @Override
    public void bind(ServerServices services) {
        this.chats = services.chats();
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.post(ConversationsModule.PATH + "/{id}/reply", this::reply, Access.MODELS_USE);
        ConversationsModule.handleUnreadable(config);
    }

    private void reply(Context ctx) throws InterruptedException {
        Principal user = ConversationsModule.caller(ctx);
        String id = ctx.pathParam("id");
        ObjectNode body = ConversationsModule.body(ctx);
        boolean regenerate = flag(body.get("regenerate"));
        String content = Texts.optional(body.get("content"), "content", ConversationsModule.MAX_CONTENT);
        String model = Texts.optional(body.get("model"), "model", ConversationsModule.MAX_FIELD);
        String system = Texts.optional(body.get("system"), "system", ConversationsModule.MAX_CONTENT);
        String optionsJson = options(body.get("options"));
        List<String> attachments = ids(body.get("attachments"));
        JsonNode tools = body.get("tools"); // as /api/chat takes them (e.g. the MCP tools opt-in); the chat path checks them
        Conversation conversation = store.get(user.userId(), id)
                .orElseThrow(() -> ApiException.notFound("conversation not found"));

        List<Message> history = new ArrayList<>(conversation.messages());
        Message asked = null;
        if (regenerate) {
            if (content != null || !attachments.isEmpty()) {
                throw ApiException.badRequest("regenerate answers the last message again: send no content or attachments", "regenerate");
            }
            if (!history.isEmpty() && history.getLast().role().equals("assistant")) history.removeLast();
            if (history.isEmpty() || !history.getLast().role().equals("user")) {
                throw ApiException.badRequest("there is no user message to answer again", "regenerate");
            }
        } else {
            if ((content == null || content.isBlank()) && attachments.isEmpty()) throw ApiException.required("content");
            String text = content == null ? "" : content;
            if (!attachments.isEmpty()) text = (text + "\n\n" + uploads.attachmentText(user, attachments)).strip();
            if (text.length() > ConversationsModule.MAX_CONTENT) {
                throw ApiException.badRequest("the message is longer than " + ConversationsModule.MAX_CONTENT + " characters", "content");
            }
            asked = Message.of("user", text, null, null, null, null, null, null);
            history.add(asked);
        }
        String useModel = model != null ? model : conversation.model();
        if (useModel == null) throw ApiException.badRequest("the conversation has no model: give one", "model");
        String useSystem = system != null ? system : conversation.system();
        String useOptions = optionsJson != null ? optionsJson : conversation.optionsJson();

        ChatRequest request = new ChatRequest(useModel, null, wire(useSystem, history), true, null, parse(useOptions), null,
                JsonFields.given(tools) ? tools : null);
        Message userMessage = asked;
        chats.respond(ctx, request, summary -> {
            List<Message> turn = new ArrayList<>();
            if (userMessage != null) turn.add(userMessage);
            turn.add(reply(summary));
            store.finishTurn(user.userId(), id, model, system, optionsJson, regenerate, turn);
        });
    }

    /** The history as the chat path reads it: the system prompt first, then each message's role and text. */
    private static List<dev.bastion.api.types.Message> wire(String system, List<Message> history) {
        List<dev.bastion.api.types.Message> out = new ArrayList<>();
        if (system != null && !system.isEmpty()) out.add(new dev.bastion.api.types.Message("system", system, null));
        for (Message m : history) {
            out.add(new dev.bastion.api.types.Message(m.role(), m.content(), null));
        }
        return out;
    }

    private static Message reply(ChatSummary s) {
        var metrics = s.metrics();
        return Message.reply(s.content(), s.thinking().isEmpty() ? null : s.thinking(), json(s.toolCalls()), json(s.toolResults()),
                metrics == null ? null : metrics.promptEvalCount(), metrics == null ? null : metrics.evalCount(),
                s.tokensPerSecond(), metrics == null ? null : metrics.creditsCharged(), s.doneReason());
    }

    private static String json(List<?> list) {
        if (list.isEmpty()) return null;
        try {
            return JsonFields.MAPPER.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serializable", e);
        }
    }

    private static Options parse(String optionsJson) {
        if (optionsJson == null) return null;
        try {
            return JsonFields.read(JsonFields.MAPPER.readTree(optionsJson), Options.class, "options.");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("options are invalid", "options");
        }
    }

    private static String options(JsonNode options) {
        if (!JsonFields.given(options)) return null;
        if (!options.isObject()) throw ApiException.badRequest("options must be an object", "options");
        String json = options.toString();
        if (json.length() > ConversationsModule.MAX_FIELD) throw ApiException.badRequest("options are too large", "options");
        JsonFields.read(options, Options.class, "options."); // refused now, before it is stored with the turn
        return json;
    }

    private static boolean flag(JsonNode node) {
        if (!JsonFields.given(node)) return false;
        if (!node.isBoolean()) throw ApiException.badRequest("regenerate must be true or false", "regenerate");
        return node.asBoolean();
    }

    private static List<String> ids(JsonNode node) {
        if (!JsonFields.given(node)) return List.of();
        if (!node.isArray()) throw ApiException.badRequest("attachments must be an array of file ids", "attachments");
        List<String> ids = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual()) throw ApiException.badRequest("attachments must be an array of file ids", "attachments");
            ids.add(n.asText());
        }
        return ids;
    }
}
