package dev.bastion.api.credits;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.JsonFields;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.credits.Accounts;
import dev.bastion.credits.Credits;
import dev.bastion.credits.Entry;
import dev.bastion.credits.Ledger;
import dev.bastion.credits.UsageReport;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import io.javalin.config.JavalinConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.NotFoundResponse;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Credits over HTTP: {@code GET /api/credits} (one's own balance, open reservations and recent entries), admin
 * {@code POST /api/credits/grant} and {@code GET /api/credits/{user}}, and {@code GET /api/usage}. While the server runs
 * it releases, every minute, the reservations that expired (the server releases those of earlier processes before it
 * listens: {@link Credits#releaseAbandoned}).
 */
public final class CreditsRoutes implements ServerModule {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CreditsRoutes.class);
    private static final int HISTORY = 50;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreditsView(String user, boolean enabled, boolean charged, long balance, long reserved,
                              List<ReservationView> reservations, List<EntryView> entries) {}

    public record ReservationView(long id, long amount, String subject, @JsonProperty("created_at") String createdAt) {}

    /** {@code kind} is {@code earned} for what the caller earned as a node's owner; {@code node} served it (or null). */
    public record EntryView(long transaction, String kind, long amount, String subject, String actor,
                            @JsonProperty("request_id") String requestId, String at, String node) {
        static EntryView of(Entry e) {
            return new EntryView(e.transactionId(), e.label(), e.amount(), e.subject(), e.actor(), e.requestId(),
                    e.at().toString(), e.node());
        }
    }

    public record GrantView(String user, long amount, long balance, long transaction, boolean applied) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UsageView(String user, String model, String day, long requests,
                            @JsonProperty("prompt_tokens") long promptTokens,
                            @JsonProperty("generated_tokens") long generatedTokens, long credits) {}

    private final Credits credits;
    private final SecurityServices security;
    private ScheduledExecutorService sweeper;

    public CreditsRoutes(Credits credits, SecurityServices security) {
        this.credits = credits;
        this.security = security;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/api/credits", ctx -> ctx.json(view(caller(ctx).userId(), caller(ctx).userName(), caller(ctx).role())),
                Access.MODELS_USE);
        config.routes.get("/api/credits/{user}", this::ofUser, Access.ADMIN);
        config.routes.post("/api/credits/grant", this::grant, Access.ADMIN);
        config.routes.get("/api/usage", this::usage, Access.MODELS_USE);
    }

    @Override
    public void start() {
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("credits-sweeper").factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                credits.releaseAbandoned();
            } catch (RuntimeException e) {
                LOG.warn("releasing abandoned credit reservations failed; retrying in a minute", e); // keeps the schedule
            }
        }, 1, 1, TimeUnit.MINUTES);
    }

    @Override
    public void stop() {
        if (sweeper != null) sweeper.shutdownNow();
    }

    private CreditsView view(long userId, String name, Role role) {
        List<Ledger.OpenReservation> open = credits.ledger().openReservations(userId);
        return new CreditsView(name, credits.enabled(), credits.charges(role), credits.ledger().balanceOfUser(userId),
                open.stream().mapToLong(Ledger.OpenReservation::amount).sum(),
                open.stream().map(r -> new ReservationView(r.id(), r.amount(), r.subject(), r.createdAt().toString())).toList(),
                credits.ledger().history(Accounts.user(userId), HISTORY).stream().map(EntryView::of).toList());
    }

    private void ofUser(Context ctx) {
        User user = user(ctx.pathParam("user"));
        ctx.json(view(user.id(), user.name(), user.role()));
    }

    private void grant(Context ctx) {
        JsonNode body = body(ctx);
        User user = user(body.path("user").asText(""));
        JsonNode amountNode = body.get("amount");
        if (amountNode == null || !amountNode.canConvertToLong() || !amountNode.isIntegralNumber() || amountNode.asLong() <= 0) {
            throw new BadRequestResponse("'amount' must be a positive whole number of credits");
        }
        long amount = amountNode.asLong();
        String key = ctx.header("Idempotency-Key");
        if (key == null) key = body.path("idempotency_key").asText(null);
        if (key == null || key.isBlank() || key.length() > 200) {
            throw new BadRequestResponse("a grant needs an idempotency key (the Idempotency-Key header or 'idempotency_key'),"
                    + " at most 200 characters, so that a retried grant is applied once");
        }
        String actor = caller(ctx).userName();
        Ledger.Posted posted;
        try {
            posted = credits.ledger().grant(user.id(), amount, "grant:" + key, actor, RequestContext.requestId(ctx));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        if (posted.applied()) {
            security.audit().append(new AuditEvent(RequestContext.requestId(ctx), actor, "credits.grant", user.name(), "success",
                    Map.of("amount", Long.toString(amount), "transaction", Long.toString(posted.transactionId()))));
        }
        ctx.status(posted.applied() ? 201 : 200).json(new GrantView(user.name(), amount,
                credits.ledger().balanceOfUser(user.id()), posted.transactionId(), posted.applied()));
    }

    private void usage(Context ctx) {
        Principal caller = caller(ctx);
        Long userId = caller.userId();
        String requested = ctx.queryParam("user");
        if (caller.role() == Role.ADMIN) {
            userId = requested == null ? null : user(requested).id();
        } else if (requested != null && !requested.equals(caller.userName())) {
            throw new ForbiddenResponse("only an admin can see another user's usage");
        }
        Set<UsageReport.GroupBy> groups = EnumSet.noneOf(UsageReport.GroupBy.class);
        String groupBy = ctx.queryParam("group_by");
        try {
            if (groupBy != null) for (String g : groupBy.split(",")) if (!g.isBlank()) groups.add(UsageReport.GroupBy.parse(g));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        Map<Long, String> names = new java.util.HashMap<>();
        security.users().list().forEach(u -> names.put(u.id(), u.name()));
        ctx.json(credits.usage().query(userId, day(ctx, "from"), day(ctx, "to"), groups).stream()
                .map(r -> new UsageView(r.userId() == null ? null : names.getOrDefault(r.userId(), "#" + r.userId()),
                        r.model(), r.day(), r.requests(), r.promptTokens(), r.generatedTokens(), r.credits()))
                .toList());
    }

    private static LocalDate day(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        if (value == null) return null;
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequestResponse("'" + parameter + "' must be a day, YYYY-MM-DD");
        }
    }

    private User user(String name) {
        return security.users().find(name).orElseThrow(() -> new NotFoundResponse("no such user"));
    }

    private static Principal caller(Context ctx) {
        return RequestContext.principal(ctx).orElseThrow(() -> new ForbiddenResponse("no authenticated caller"));
    }

    private static JsonNode body(Context ctx) {
        return JsonFields.parse(ctx.bodyAsBytes());
    }
}
