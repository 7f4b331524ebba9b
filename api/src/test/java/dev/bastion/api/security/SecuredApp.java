package dev.bastion.api.security;

import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.security.ApiKeyService;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.UserService;
import dev.bastion.security.db.Database;
import io.javalin.Javalin;
import org.threeten.extra.MutableClock;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

/** A real Javalin app with dummy routes behind the security chain, plus a mutable clock and an HTTP client. */
final class SecuredApp implements AutoCloseable {

    final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    final UserService users;
    final ApiKeyService keys;
    final AuditLog audit;
    final Javalin app;
    final HttpClient http;
    private final String scheme;

    SecuredApp(Path home, SecurityConfig config) {
        this(home, config, HttpClient.newHttpClient());
    }

    SecuredApp(Path home, SecurityConfig config, HttpClient http) {
        this(home, config, http, java.util.List.of());
    }

    /** @param moduleAuthenticators tried after API keys, as a server module's are */
    SecuredApp(Path home, SecurityConfig config, HttpClient http,
               java.util.List<dev.bastion.security.Authenticator> moduleAuthenticators) {
        this.http = http;
        this.scheme = config.tlsEnabled() ? "https" : "http";
        Database db = Database.openHome(home);
        users = new UserService(db, clock);
        keys = new ApiKeyService(db, users, clock, java.security.MessageDigest::isEqual);
        audit = AuditLog.open(home.resolve("audit.log"), null);
        users.create("alice", Role.USER);
        users.create("bob", Role.USER);
        users.create("root", Role.ADMIN);
        SecurityFilterChain chain = new SecurityFilterChain(config.withBind("127.0.0.1", 0), keys, audit);
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            chain.install(c, moduleAuthenticators);
            c.routes.get("/", ctx -> ctx.result("Bastion is running"), Access.OPEN);
            c.routes.head("/", ctx -> ctx.status(200), Access.OPEN);
            c.routes.get("/api/version", ctx -> ctx.json(java.util.Map.of("version", "0.1.0")), Access.OPEN);
            c.routes.get("/api/tags", ctx -> ctx.result(whoAmI(ctx)), Access.MODELS_USE);
            c.routes.post("/api/chat", ctx -> ctx.result(whoAmI(ctx) + ":" + ctx.body().length()), Access.MODELS_USE);
            c.routes.post("/api/create", ctx -> ctx.result(whoAmI(ctx)), Access.MODELS_MANAGE);
            c.routes.get("/api/admin/users", ctx -> ctx.result(whoAmI(ctx)), Access.ADMIN);
            c.routes.post("/v1/chat/completions", ctx -> ctx.result(whoAmI(ctx)), Access.MODELS_USE);
            c.routes.get("/api/undeclared", ctx -> ctx.result(whoAmI(ctx)));
            c.routes.get("/api/boom", ctx -> {
                throw new IllegalStateException("secret path /root/.bastion/bastion.db");
            });
        }).start();
    }

    private static String whoAmI(io.javalin.http.Context ctx) {
        return RequestContext.principal(ctx).map(p -> p.userName()).orElse("anonymous");
    }

    String key(String user, Scope... scopes) {
        return keys.create(user, Set.of(scopes), null, null).secret();
    }

    URI uri(String path) {
        return URI.create(scheme + "://127.0.0.1:" + app.port() + path);
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    /** Sends raw bytes (for headers HttpClient refuses to send) and returns the raw response head. */
    String raw(String requestHead) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(requestHead.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        app.stop();
        http.close();
    }
}
