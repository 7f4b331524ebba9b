package dev.bastion.cluster;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.cluster.pki.FileClusterIdentity;
import dev.bastion.credits.Credits;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.registry.RegistryLimits;
import dev.bastion.registry.RegistryModule;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.SignaturePolicy;
import dev.bastion.registry.signing.TrustStore;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;

import java.nio.file.Path;
import java.util.Map;

/**
 * A cluster node as {@link TestNodeMain} runs one, plus what {@code bastion serve} adds for replication: the registry
 * module (OCI reads on the node port for peers) under {@code BASTION_REQUIRE_SIGNED} with the shared trust store, and
 * the cluster module copying models from peers. Arguments: home, bundle directory, API port. Prints READY.
 */
public final class ReplicaNodeMain {

    private ReplicaNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        ClusterIdentity identity = FileClusterIdentity.load(Path.of(args[1]));
        int port = Integer.parseInt(args[2]);
        Map<String, String> env = System.getenv();
        ModelStore store = new ModelStore(home);
        SecurityServices services = SecurityServices.open(home, env);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", port),
                services.keys(), services.audit());
        Credits credits = Credits.open(services, env);
        ClusterSettings settings = ClusterSettings.fromEnvironment(env, home);
        SignatureGuard guard = new SignatureGuard(store, new TrustStore(services.database()), services.audit(),
                SignaturePolicy.fromEnvironment(env));
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", port)));
        RegistryModule registry = new RegistryModule(store, config.modelAccess(), config.modelAudit(),
                RegistryLimits.DEFAULTS, env, guard);
        throttleOnRequest(registry, home.resolve("serve-bytes-per-second"));
        config = config.withModule(registry)
                .withModule(new ClusterModule(settings, identity, services.audit(), credits::releaseNode)
                        .replicating(store, guard, ClusterModule.replicationWait(env)));
        BastionServer server = new BastionServer(config, new StoreCatalog(store), LocalModelRuntime::load,
                new CreditsMetering(credits, services.audit())).start();
        System.out.println("READY " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** A test writes a rate into {@code file} to slow this node's blob serving down, so a copy can be cut mid-way. */
    private static void throttleOnRequest(RegistryModule registry, Path file) {
        Thread.ofPlatform().daemon().name("test-throttle").start(() -> {
            while (true) {
                try {
                    if (java.nio.file.Files.exists(file)) registry.throttle(Long.parseLong(java.nio.file.Files.readString(file).strip()));
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a half-written file: read it again next time
                }
            }
        });
    }
}
