package dev.bastion.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.RequestContext;
import dev.bastion.api.security.ErrorResponses;
import dev.bastion.cluster.Replicator.ReplicationException;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import io.javalin.http.Context;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Carries out the copies placement asks for ({@link Placement.Pull}). The node placing a request starts the copy: on
 * itself, or by asking the puller on its node port ({@value #PATH}, mutual TLS, peers only). Then, when busy holders
 * can serve, the request goes to one of them at once; when every holder is draining, the request waits for the copy
 * at most {@code BASTION_CLUSTER_PULL_WAIT} and is then placed again (the puller holds the model now), or answered 503
 * with {@code Retry-After} while the copy goes on, or with the copy's error (a signature refusal is a 403).
 */
final class Replication {

    static final String PATH = "/api/cluster/replicate";
    static final String ENV_WAIT = "BASTION_CLUSTER_PULL_WAIT";
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);
    static final int RETRY_AFTER_SECONDS = 10;
    /** How long the node port's endpoint waits for a copy it was asked for; the copy itself is bounded by its limits. */
    private static final Duration COPY_LIMIT = Duration.ofHours(2);
    private static final Duration SEEN_WITHIN = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String self;
    private final Replicator local;
    private final HttpClient http;
    private final Duration wait;
    private final Map<String, CompletableFuture<String>> asked = new HashMap<>();

    Replication(String self, Replicator local, SSLContext tls, Duration wait) {
        this.self = self;
        this.local = local;
        this.wait = wait;
        this.http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** {@code BASTION_CLUSTER_PULL_WAIT}: seconds a request waits for a copy before a 503 (default 120). */
    static Duration waitFrom(Map<String, String> env) {
        String value = env.get(ENV_WAIT);
        if (value == null || value.isBlank()) return DEFAULT_WAIT;
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds < 0 || seconds > 3600) throw new NumberFormatException();
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ENV_WAIT + " must be a number of seconds (0-3600)");
        }
    }

    Replicator local() {
        return local;
    }

    /**
     * Before the request is routed: starts (or joins) the copy.
     *
     * @return true when the request was answered here (503 while the copy goes on, or its error); false when it is to
     *         be placed as usual (a busy holder serves it meanwhile, or the copy is done)
     */
    boolean beforeRouting(Context ctx, Placement.Pull pull, ClusterMembership membership) {
        CompletableFuture<String> copy = start(pull, membership, RequestContext.requestId(ctx));
        if (pull.meanwhile().isPresent()) return false;
        try {
            copy.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ctx.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            ErrorResponses.write(ctx, 503, "model '" + pull.model() + "' is being copied to a node that can serve it;"
                    + " retry in a few seconds", "server_error", "model_replicating");
            ctx.skipRemainingHandlers();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ErrorResponses.write(ctx, 503, "the server is stopping", "server_error", "unavailable");
            ctx.skipRemainingHandlers();
            return true;
        } catch (ExecutionException e) {
            ReplicationException failed = e.getCause() instanceof ReplicationException r ? r
                    : new ReplicationException(502, "model '" + pull.model() + "' could not be copied from another node");
            boolean refused = failed.status == 403;
            ErrorResponses.write(ctx, failed.status, failed.getMessage(), refused ? "permission_error" : "server_error",
                    refused ? "model_refused" : "replication_failed");
            ctx.skipRemainingHandlers();
            return true;
        }
        if (!pull.puller().name().equals(self)) awaitSeen(membership, pull.puller().name(), pull.model());
        return false;
    }

    /** The node port's endpoint: a peer asks this node to copy a model ({@code {"model", "from"}}), and waits. */
    void serve(Context ctx, ClusterMembership membership) {
        String model;
        String from;
        try {
            JsonNode body = JSON.readTree(ctx.bodyAsBytes());
            JsonNode named = body.path("model");
            model = named.isTextual() ? ClusterModule.normalize(named.asText()).orElse(null) : null;
            from = body.path("from").asText("");
        } catch (IOException e) {
            model = null;
            from = "";
        }
        if (model == null) {
            ErrorResponses.write(ctx, 400, "the body must name a valid model", "invalid_request_error", "invalid_model");
            return;
        }
        String name = model;
        String source = from;
        try {
            String digest = local.replicate(name, () -> sources(membership, name, source), RequestContext.requestId(ctx))
                    .get(COPY_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            ctx.json(Map.of("model", name, "digest", digest));
        } catch (ExecutionException e) {
            ReplicationException failed = e.getCause() instanceof ReplicationException r ? r
                    : new ReplicationException(502, "model '" + name + "' could not be copied from another node");
            ErrorResponses.write(ctx, failed.status, failed.getMessage(), "server_error", "replication_failed");
        } catch (TimeoutException e) {
            ErrorResponses.write(ctx, 504, "copying model '" + name + "' takes too long", "server_error", "replication_failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ErrorResponses.write(ctx, 503, "the server is stopping", "server_error", "unavailable");
        }
    }

    /** The copy of {@code pull}: this node's own, or the one the puller was asked for (one ask per puller and model). */
    private CompletableFuture<String> start(Placement.Pull pull, ClusterMembership membership, String requestId) {
        if (pull.puller().name().equals(self)) {
            return local.replicate(pull.model(), () -> sources(membership, pull.model(), pull.holder().name()), requestId);
        }
        String key = pull.puller().name() + "\n" + pull.model();
        CompletableFuture<String> ask;
        synchronized (asked) {
            CompletableFuture<String> existing = asked.get(key);
            if (existing != null) return existing;
            ask = new CompletableFuture<>();
            asked.put(key, ask);
        }
        ask(pull, requestId).whenComplete((digest, failure) -> {
            synchronized (asked) {
                asked.remove(key, ask);
            }
            if (failure == null) {
                ask.complete(digest);
            } else {
                ask.completeExceptionally(failure instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : failure);
            }
        });
        return ask;
    }

    private CompletableFuture<String> ask(Placement.Pull pull, String requestId) {
        String body;
        try {
            body = JSON.writeValueAsString(Map.of("model", pull.model(), "from", pull.holder().name()));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(pull.puller().url() + PATH))
                .timeout(COPY_LIMIT)
                .header("Content-Type", "application/json")
                .header(RequestContext.REQUEST_ID_HEADER, requestId)
                .header(ForwardedIdentity.HEADER, ForwardedIdentity.encode(asNode()))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        String puller = pull.puller().name();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                throw new CompletionException(new ReplicationException(502, "the node chosen to copy model '"
                        + pull.model() + "' cannot be reached; try again"));
            }
            if (response.statusCode() == 200) return digestOf(response.body());
            throw new CompletionException(new ReplicationException(statusFor(response.statusCode()),
                    errorOf(response.body()).orElse("node " + puller + " could not copy model '" + pull.model() + "'")));
        });
    }

    /** This node as the caller of a peer's node port: it acts for no user (the peer checks its certificate). */
    Principal asNode() {
        return new Principal(0, self, Role.ADMIN, Set.of(Scope.MODELS_USE, Scope.ADMIN), null);
    }

    /** The holders of {@code model} other than this node, {@code first} first, then by queue and name. */
    private List<NodeState> sources(ClusterMembership membership, String model, String first) {
        return membership.nodes().stream().filter(n -> n.holds(model) && !n.name().equals(self))
                .sorted(Comparator.comparingInt((NodeState n) -> n.name().equals(first) ? 0 : 1)
                        .thenComparingInt(NodeState::queue).thenComparing(NodeState::name))
                .toList();
    }

    /** After a peer's copy: its next published state lists the model, and only then does placement send requests. */
    private static void awaitSeen(ClusterMembership membership, String node, String model) {
        long deadline = System.nanoTime() + SEEN_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (membership.node(node).map(n -> n.holds(model)).orElse(false)) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int statusFor(int status) {
        return status == 403 || status == 503 || status == 504 ? status : 502;
    }

    private static String digestOf(String body) {
        try {
            return JSON.readTree(body).path("digest").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static Optional<String> errorOf(String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            return error.isTextual() ? Optional.of(error.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
