package dev.bastion.web.browser;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.api.credits.CreditsRoutes;
import dev.bastion.api.security.SecurityAdminRoutes;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.credits.Credits;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.web.Sessions;
import dev.bastion.web.WebSessionsModule;
import dev.bastion.web.conversations.ConversationsModule;
import dev.bastion.web.pages.WebPagesModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A real Bastion server for the browser tests, wired as {@code bastion serve} wires it (security chain, key admin
 * routes, sessions, conversations, pages, credits), on a Bastion home in a temp directory with a generated tiny model
 * {@value #MODEL} and three users with passwords: alice and bob (role user) and root (admin). It can be stopped and
 * started again on the same home and port, as after a restart.
 */
public final class WebTestServer implements AutoCloseable {

    public static final String MODEL = "tiny";
    public static final String ALICE = "alice";
    public static final String BOB = "bob";
    public static final String ROOT = "root";
    public static final String PASSWORD = "a long test passphrase";

    private final Path home;
    private final Map<String, String> env;
    private SecurityServices security;
    private Credits credits;
    private WebSessionsModule sessions;
    private BastionServer server;
    private int port;

    private WebTestServer(Path home, Map<String, String> env) {
        this.home = home;
        this.env = env;
    }

    /** Creates the home (users, passwords, model) and starts the server on a free port. */
    public static WebTestServer start(Path home, Map<String, String> env) throws IOException {
        WebTestServer server = new WebTestServer(home, env);
        server.open();
        server.security.users().create(ALICE, Role.USER);
        server.security.users().create(BOB, Role.USER);
        server.security.users().create(ROOT, Role.ADMIN);
        for (String user : new String[]{ALICE, BOB, ROOT}) server.sessions.passwords().set(user, PASSWORD);
        ModelStore store = new ModelStore(home.resolve("models"));
        Path source = Files.createDirectories(home.resolve("fixture"));
        store.importDirectory(TinyModelFixture.tinyModel(source, Architecture.LLAMA), ModelName.parse(MODEL), null);
        Files.createDirectories(server.importRoot());
        server.listen();
        return server;
    }

    /** Credits off: a restart would otherwise turn them on ("auto" with several users) and refuse users without any. */
    public static WebTestServer start(Path home) throws IOException {
        return start(home, Map.of("BASTION_CREDITS", "off"));
    }

    /** Gives {@code user} credits (with {@code BASTION_CREDITS=on}). */
    public void grantCredits(String user, long amount) {
        long id = security.users().find(user).orElseThrow().id();
        credits.ledger().grant(id, amount, "test-grant-" + user + "-" + System.nanoTime(), "test", "test");
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public SecurityServices security() {
        return security;
    }

    public WebSessionsModule sessions() {
        return sessions;
    }

    /** The directory admins may import model directories from ({@code BASTION_IMPORT_ROOT}). */
    public Path importRoot() {
        return home.resolve("import");
    }

    /** Stops the server and starts a new one on the same home and port, as after {@code bastion serve} restarts. */
    public void restart() throws IOException {
        close();
        open();
        listen();
    }

    private void open() {
        security = SecurityServices.open(home, env);
        credits = Credits.open(security, env);
        // Generous sign-in limits: the tests sign in many times from one address (the limits have their own tests).
        sessions = new WebSessionsModule(security, "true".equals(env.get(WebSessionsModule.COOKIE_SECURE_ENV)),
                new WebSessionsModule.SignInLimits(1000, 1000, Duration.ofMinutes(1)), Clock.systemUTC(),
                Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE);
    }

    private void listen() throws IOException {
        dev.bastion.web.files.Uploads uploads = dev.bastion.web.files.Uploads.open(security, env);
        var conversations = dev.bastion.web.conversations.ConversationStore.open(security, env);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", port)))
                .withModule(new SecurityAdminRoutes(security))
                .withModule(sessions)
                .withModule(new ConversationsModule(conversations))
                .withModule(new dev.bastion.web.conversations.ChatTurnsModule(conversations, uploads))
                .withModule(new dev.bastion.web.files.FilesModule(uploads, security.audit()))
                .withModule(new WebPagesModule(sessions))
                .withModule(new CreditsRoutes(credits, security))
                .withModule(new dev.bastion.web.admin.AdminConsoleModule(security, sessions))
                .withImportRoot(importRoot());
        server = new BastionServer(config, new StoreCatalog(new ModelStore(home.resolve("models"))), LocalModelRuntime::load,
                new CreditsMetering(credits, security.audit())).start();
        port = java.net.URI.create(server.baseUrl()).getPort();
    }

    @Override
    public void close() {
        if (server != null) server.close();
        if (credits != null) credits.close();
        server = null;
        credits = null;
    }
}
