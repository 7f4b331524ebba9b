package dev.bastion.cli;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.EmbedLimits;
import dev.bastion.api.SchedulerConfig;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.web.Passwords;
import dev.bastion.web.WebSessionsModule;
import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.api.credits.CreditsRoutes;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.credits.Credits;
import dev.bastion.api.security.SecurityAdminRoutes;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.upstream.UpstreamRoutes;
import dev.bastion.mcp.upstream.Upstreams;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.server.McpServerModule;
import dev.bastion.security.SecurityServices;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.store.ModelStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code bastion serve [--host H:P] [--home DIR]}: serves the store at the Bastion home over the Ollama and OpenAI APIs until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the HTTP server (Ollama- and OpenAI-compatible APIs) on the model store in the Bastion home.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", paramLabel = "HOST[:PORT]",
            description = "Listen address: host, host:port or http://host:port (default: BASTION_HOST, else 127.0.0.1:11434).")
    String host;

    @Option(names = "--embed-max-inputs", paramLabel = "N",
            description = "Inputs per embedding request (default: BASTION_EMBED_MAX_INPUTS, else 256).")
    Integer embedMaxInputs;

    @Option(names = "--embed-max-tokens", paramLabel = "N",
            description = "Tokens of all inputs of one embedding request (default: BASTION_EMBED_MAX_TOKENS, else 65536).")
    Integer embedMaxTokens;

    @Mixin
    SecurityOptions security;

    @Mixin
    HomeOption home = new HomeOption();

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    public ServeCommand() {
        this(System.getenv());
    }

    /** @param env the environment to read BASTION_HOME, BASTION_HOST and the scheduler settings from */
    public ServeCommand(Map<String, String> env) {
        this.env = env;
        this.home.environment = env;
    }

    @Override
    public Integer call() throws Exception {
        BindAddress bind;
        SchedulerConfig scheduler;
        try {
            bind = BindAddress.parse(host != null ? host : env.get("BASTION_HOST"));
            scheduler = SchedulerConfig.fromEnvironment(env);
            EmbedLimits embed = scheduler.embedLimits();
            scheduler = scheduler.withEmbedLimits(new EmbedLimits(embedMaxInputs != null ? embedMaxInputs : embed.maxInputs(),
                    embedMaxTokens != null ? embedMaxTokens : embed.maxTokens()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path homeDir = home.resolve();
        PrintWriter err = spec.commandLine().getErr();
        ModelStore store;
        try {
            store = home.openStore();
        } catch (IOException e) {
            err.println("bastion serve: cannot open the model store at " + homeDir + ": " + e.getMessage());
            return 1;
        }
        SecurityServices services;
        SecurityFilterChain chain;
        SecurityConfig securityConfig;
        McpServerModule mcp;
        UpstreamRoutes upstreams;
        Credits credits;
        try {
            securityConfig = security.toConfig(env).withBind(bind.host(), bind.port());
            home.environment = ClusterWiring.withNodeName(env, home.resolve()); // a node's own audit chain
            services = home.openSecurity();
            if (!store.hasKey()) store = home.openStore(); // on a fresh home the server secret exists only now
            chain = new SecurityFilterChain(securityConfig, services.keys(), services.audit());
            credits = Credits.open(services, env);
            McpGateway gateway = McpGateways.create(services, McpGateways.builtIns(services, env),
                    GatewaySettings.fromEnvironment(env), credits);
            upstreams = new UpstreamRoutes(Upstreams.open(services, gateway.sources(), env), services.audit());
            mcp = new McpServerModule(services, gateway, BastionCli.VERSION);
            dev.bastion.web.account.TwoFactorPolicy.fromEnvironment(env); // a typo in BASTION_REQUIRE_2FA stops here
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            err.println("bastion serve: " + e.getMessage());
            return 1;
        }
        WebSessionsModule webSessions = WebSessionsModule.fromEnvironment(services, env, securityConfig.tlsEnabled());
        dev.bastion.web.files.Uploads uploads = dev.bastion.web.files.Uploads.open(services, env);
        var conversations = dev.bastion.web.conversations.ConversationStore.open(services, env); // keyed like models: docs/encryption.md
        Path importRoot = importRoot(env.get(IMPORT_ROOT_ENV));
        if (importRoot == null && env.get(IMPORT_ROOT_ENV) != null && !env.get(IMPORT_ROOT_ENV).isBlank()) {
            err.println("bastion serve: " + IMPORT_ROOT_ENV + " must name an existing directory");
            return 1;
        }
        ServerConfig config = chain.secure(ServerConfig.defaults(bind).withScheduler(scheduler))
                .withModule(new SecurityAdminRoutes(services))
                .withModule(new dev.bastion.api.ops.DatabaseReadiness(services.database()))
                .withModule(upstreams)
                .withModule(mcp)
                .withModule(webSessions)
                .withModule(new dev.bastion.web.conversations.ConversationsModule(conversations))
                .withModule(new dev.bastion.web.conversations.ChatTurnsModule(conversations, uploads))
                .withModule(new dev.bastion.web.files.FilesModule(uploads, services.audit()))
                .withModule(new dev.bastion.web.pages.WebPagesModule(webSessions))
                .withModule(new dev.bastion.web.admin.AdminConsoleModule(services, webSessions))
                .withImportRoot(importRoot);
        dev.bastion.registry.signing.SignaturePolicy signaturePolicy;
        try {
            signaturePolicy = dev.bastion.registry.signing.SignaturePolicy.fromEnvironment(env);
        } catch (IllegalArgumentException e) {
            err.println("bastion serve: " + e.getMessage());
            return 1;
        }
        var signatureGuard = new dev.bastion.registry.signing.SignatureGuard(store,
                new dev.bastion.registry.signing.TrustStore(services.database()), services.audit(), signaturePolicy);
        config = config.withModule(new dev.bastion.registry.RegistryModule(store, config.modelAccess(), config.modelAudit(),
                dev.bastion.registry.RegistryLimits.DEFAULTS, env, signatureGuard));
        PrintWriter out = spec.commandLine().getOut();
        try {
            services.recoverAudit();
        } catch (dev.bastion.security.AuditLog.AuditUnavailableException e) {
            // Serving reads stays possible; every change is refused (503) until the log can be written again.
            err.println("bastion serve: WARNING: " + e.getMessage() + "; changes will be refused until it can be written");
        }
        if (!securityConfig.insecureNoAuth()) {
            try {
                services.bootstrap().ifPresent(keyFile -> out.println("Created user 'admin'; its API key is in "
                        + keyFile + " (send it as 'Authorization: Bearer <key>')"
                        + "; its web sign-in password is in " + firstAdminPassword(services, keyFile)));
            } catch (dev.bastion.security.AuditLog.AuditUnavailableException e) {
                err.println("bastion serve: " + e.getMessage());
                return 1;
            }
        }
        int released = credits.releaseAbandoned(); // before listening: no request of this process holds one yet
        if (released > 0) out.println("Released " + released + " credit reservation(s) left by a previous run");
        out.println(credits.enabled() ? "Credits are on: generations, embeddings and tool calls are metered (BASTION_CREDITS)"
                : "Credits are off (BASTION_CREDITS; auto turns them on once a second user exists)");
        if (credits.owner() != null) {
            out.println("This node's owner " + env.get(dev.bastion.credits.CreditsConfig.ENV_NODE_OWNER).trim() + " earns what it"
                    + " charges, less the network fee of " + credits.ledger().networkFee().percent() + " (BASTION_NODE_OWNER)");
        }
        config = config.withModule(new CreditsRoutes(credits, services));
        try {
            config = ClusterWiring.withCluster(config, env, homeDir, securityConfig.insecureNoAuth(), services.audit(), credits, out,
                    store, signatureGuard);
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("bastion serve: " + e.getMessage());
            return 1;
        }
        // Closed last (resources close in reverse): the pooled database connections outlive the server and the ledger.
        try (dev.bastion.security.db.Database database = services.database(); credits; BastionServer server = new BastionServer(config, new StoreCatalog(store), LocalModelRuntime::load,
                new CreditsMetering(credits, services.audit()))) {
            try {
                server.start();
            } catch (RuntimeException e) {
                err.println("bastion serve: cannot listen on " + bind + ": " + rootMessage(e));
                return 1;
            }
            // On Ctrl-C or SIGTERM, let the server finish closing (models unloaded) before the JVM exits.
            Thread hook = new Thread(() -> {
                stopped.countDown();
                try {
                    closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bastion-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            String url = securityConfig.tlsEnabled() ? server.baseUrl().replaceFirst("^http:", "https:") : server.baseUrl();
            out.println("Bastion listening on " + url + " (models in " + homeDir + ")");
            out.flush();
            stopped.await();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting anyway
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }

    /** Where admins may import model directories from over HTTP (the admin console's model import). */
    static final String IMPORT_ROOT_ENV = "BASTION_IMPORT_ROOT";

    /** The import root as a directory, or null when unset or not a directory. */
    private static Path importRoot(String value) {
        if (value == null || value.isBlank()) return null;
        Path root = Path.of(value).toAbsolutePath().normalize();
        return java.nio.file.Files.isDirectory(root) ? root : null;
    }

    /** The bootstrap admin's first web password, written owner-only next to its key file. */
    private static String firstAdminPassword(SecurityServices services, java.nio.file.Path keyFile) {
        try {
            return Passwords.open(services).writeFirstAdminPassword(keyFile).toString();
        } catch (IOException e) {
            return "(not written: " + e.getMessage() + "; set one with 'bastion users passwd admin')";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Stops a running {@link #call()} (tests; the JVM's shutdown does the same for Ctrl-C). */
    public void stop() {
        stopped.countDown();
    }
}
