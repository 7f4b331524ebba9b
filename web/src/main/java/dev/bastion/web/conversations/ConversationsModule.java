package dev.bastion.web.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.Access;
import dev.bastion.api.ApiException;
import dev.bastion.api.JsonFields;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.security.Principal;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Conversations over HTTP under {@code /web/api/conversations}, each caller seeing only their own: list (newest first,
 * paged, {@code ?q=} searches titles and messages), create, get with messages, rename, delete, append messages, export
 * as JSON or Markdown. A conversation of another user answers exactly as a missing one: 404.
 */
public final class ConversationsModule implements ServerModule {

    public static final String PATH = "/web/api/conversations";
    static final int MAX_TITLE = 200;
    static final int MAX_CONTENT = 256 * 1024;
    static final int MAX_FIELD = 4 * 1024;
    static final int MAX_BODY = 2 * 1024 * 1024;
    static final int MAX_PAGE = 100;
    static final int MAX_APPEND = 100;
    static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    static final String UNREADABLE = "conversation cannot be read: it does not decrypt with this server's secret,"
            + " or its stored rows were tampered with (see the server log)";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConversationsModule.class);

    private final ConversationStore store;

    public ConversationsModule(ConversationStore store) {
        this.store = store;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get(PATH, this::list, Access.MODELS_USE);
        config.routes.post(PATH, this::create, Access.MODELS_USE);
        config.routes.get(PATH + "/{id}", this::get, Access.MODELS_USE);
        config.routes.patch(PATH + "/{id}", this::rename, Access.MODELS_USE);
        config.routes.delete(PATH + "/{id}", this::delete, Access.MODELS_USE);
        config.routes.post(PATH + "/{id}/messages", this::append, Access.MODELS_USE);
        config.routes.get(PATH + "/{id}/export", this::export, Access.MODELS_USE);
        handleUnreadable(config);
    }

    /**
     * History that does not decrypt (another server secret, or rows moved or altered in the database) answers 500
     * with a generic text: the details (ids and column, never content) go to the server log only.
     */
    static void handleUnreadable(JavalinConfig config) {
        config.routes.exception(HistoryCipher.UnreadableException.class, (e, ctx) -> {
            LOG.error("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            dev.bastion.api.security.ErrorResponses.write(ctx, 500, UNREADABLE, "server_error", null);
        });
    }

    private void list(Context ctx) {
        long user = caller(ctx).userId();
        int limit = intParam(ctx, "limit", 50, 1, MAX_PAGE);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        String q = ctx.queryParam("q");
        if (q != null && q.length() > MAX_TITLE) throw ApiException.badRequest("q is longer than " + MAX_TITLE + " characters", "q");
        List<Conversation> found = q == null || q.isEmpty() ? store.list(user, limit, offset) : store.search(user, q, limit, offset);
        ctx.json(new ConversationViews.Page(found.stream().map(ConversationViews.Summary::of).toList(), limit, offset));
    }

    private void create(Context ctx) {
        ObjectNode body = body(ctx);
        String title = body.has("title") ? Texts.title(body.get("title")) : "New conversation";
        String model = Texts.optional(body.get("model"), "model", MAX_FIELD);
        String system = Texts.optional(body.get("system"), "system", MAX_CONTENT);
        JsonNode options = body.get("options");
        if (JsonFields.given(options) && !options.isObject()) throw ApiException.badRequest("options must be an object", "options");
        String optionsJson = JsonFields.given(options) ? options.toString() : null;
        if (optionsJson != null && optionsJson.length() > MAX_FIELD) throw ApiException.badRequest("options are too large", "options");
        Conversation created = store.create(caller(ctx).userId(), title, model, system, optionsJson);
        ctx.status(201).json(ConversationViews.Full.of(created));
    }

    private void get(Context ctx) {
        ctx.json(ConversationViews.Full.of(owned(ctx)));
    }

    private void rename(Context ctx) {
        String title = Texts.title(body(ctx).get("title"));
        if (!store.rename(caller(ctx).userId(), ctx.pathParam("id"), title)) throw missing();
        ctx.json(ConversationViews.Full.of(owned(ctx)));
    }

    private void delete(Context ctx) {
        if (!store.delete(caller(ctx).userId(), ctx.pathParam("id"))) throw missing();
        ctx.status(204);
    }

    private void append(Context ctx) {
        JsonNode list = body(ctx).get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) throw ApiException.badRequest("messages must be a non-empty array", "messages");
        if (list.size() > MAX_APPEND) throw ApiException.badRequest("at most " + MAX_APPEND + " messages at once", "messages");
        List<Message> messages = new ArrayList<>();
        for (JsonNode m : list) messages.add(Texts.message(m));
        if (!store.append(caller(ctx).userId(), ctx.pathParam("id"), messages)) throw missing();
        ctx.status(201).json(ConversationViews.Full.of(owned(ctx)));
    }

    private void export(Context ctx) {
        String format = ctx.queryParam("format") == null ? "json" : ctx.queryParam("format");
        if (!format.equals("json") && !format.equals("markdown")) {
            throw ApiException.badRequest("format must be json or markdown", "format");
        }
        Conversation conversation = owned(ctx);
        boolean markdown = format.equals("markdown");
        // A download, never rendered by the browser as a page of ours: attachment, exact type, no sniffing.
        ctx.header("Content-Disposition", "attachment; filename=\"conversation-" + conversation.id()
                + (markdown ? ".md" : ".json") + "\"");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (markdown) {
            ctx.contentType("text/markdown; charset=utf-8").result(MarkdownExport.of(conversation));
        } else {
            ctx.json(ConversationViews.Full.of(conversation));
        }
    }

    private Conversation owned(Context ctx) {
        return store.get(caller(ctx).userId(), ctx.pathParam("id")).orElseThrow(ConversationsModule::missing);
    }

    /** The same answer for a missing conversation and for another user's. */
    private static ApiException missing() {
        return ApiException.notFound("conversation not found");
    }

    static Principal caller(Context ctx) {
        return RequestContext.principal(ctx).orElseThrow(() -> new ApiException(401, "authentication required", null));
    }

    static ObjectNode body(Context ctx) {
        if (ctx.req().getContentLengthLong() > MAX_BODY) throw tooLarge();
        byte[] bytes;
        try {
            bytes = ctx.bodyAsBytes();
        } catch (HttpResponseException e) {
            if (e.getStatus() == 413) throw tooLarge();
            throw ApiException.badRequest("request body could not be read", null);
        }
        if (bytes.length > MAX_BODY) throw tooLarge();
        return JsonFields.parse(bytes);
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "request body exceeds the limit of " + MAX_BODY + " bytes", null);
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null) return fallback;
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) throw new NumberFormatException();
            return parsed;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer from " + min + " to " + max, name);
        }
    }
}
