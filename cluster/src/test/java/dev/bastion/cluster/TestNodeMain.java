package dev.bastion.cluster;

import dev.bastion.api.BastionServer;
import dev.bastion.cluster.pki.FileClusterIdentity;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.credits.Credits;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;

import java.nio.file.Path;
import java.util.Map;

/**
 * One cluster node as its own process, wired as {@code bastion serve} wires it with {@code BASTION_CLUSTER=on} (the CLI
 * cannot be on this module's test class path: it depends on this module). Arguments: home, bundle directory, API port;
 * the cluster settings come from the environment. Prints READY once listening; runs until killed.
 */
public final class TestNodeMain {

    /** System property: the node runs without rate limits (for the throughput bench only). */
    static final String NO_RATE_LIMITS = "bastion.test.noRateLimits";

    private TestNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        ClusterIdentity identity = FileClusterIdentity.load(Path.of(args[1]));
        int port = Integer.parseInt(args[2]);
        Map<String, String> env = System.getenv();
        ModelStore store = new ModelStore(home);
        SecurityServices services = SecurityServices.open(home, env);
        SecurityConfig security = SecurityConfig.defaults().withBind("127.0.0.1", port);
        if (Boolean.getBoolean(NO_RATE_LIMITS)) { // bin/bench-cluster: 32 clients on one address, one key
            security = security.withRateLimits(new RateLimits(0, 0, 0, java.time.Duration.ofMinutes(1)));
        }
        SecurityFilterChain chain = new SecurityFilterChain(security, services.keys(), services.audit());
        Credits credits = Credits.open(services, env);
        ClusterSettings settings = ClusterSettings.fromEnvironment(env, home);
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", port)))
                .withModule(new ClusterModule(settings, identity, services.audit(), credits::releaseNode));
        BastionServer server = new BastionServer(config, new StoreCatalog(store), LocalModelRuntime::load,
                new CreditsMetering(credits, services.audit())).start();
        System.out.println("READY " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
