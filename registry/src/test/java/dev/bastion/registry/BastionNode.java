package dev.bastion.registry;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.SignaturePolicy;
import dev.bastion.registry.signing.SigningKeys;
import dev.bastion.registry.signing.TrustStore;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Bastion server on loopback with the real security chain and the registry module: users alice and bob, admin root,
 * each with a key that may use and manage models. {@code env} is the server's environment (its registry credentials).
 */
final class BastionNode implements AutoCloseable {

    final Path home;
    final ModelStore store;
    final SecurityServices services;
    final RegistryModule registry;
    final BastionServer server;
    final Map<String, String> keys = new HashMap<>();
    final TrustStore trust;
    final SigningKeys signingKeys;
    private final HttpClient http = HttpClient.newHttpClient();

    BastionNode(Path home, Map<String, String> env) throws IOException {
        this.home = home;
        this.store = new ModelStore(home);
        this.services = SecurityServices.open(home, Map.of());
        services.users().create("alice", Role.USER);
        services.users().create("bob", Role.USER);
        services.users().create("root", Role.ADMIN);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)));
        this.trust = new TrustStore(services.database());
        this.signingKeys = new SigningKeys(services.database(), services.secrets());
        SignatureGuard guard = new SignatureGuard(store, trust, services.audit(), SignaturePolicy.fromEnvironment(env));
        this.registry = new RegistryModule(store, config.modelAccess(), config.modelAudit(), RegistryLimits.DEFAULTS, env, guard);
        this.server = new BastionServer(config.withModule(registry), new StoreCatalog(store), LocalModelRuntime::load).start();
        for (String user : List.of("alice", "bob", "root")) {
            Set<Scope> scopes = user.equals("root") ? Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE, Scope.ADMIN)
                    : Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE);
            keys.put(user, services.keys().create(user, scopes, null, null).secret());
        }
    }

    /** {@code 127.0.0.1:PORT}, as a pull reference starts. */
    String hostPort() {
        return URI.create(server.baseUrl()).getAuthority();
    }

    HttpResponse<String> post(String user, String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + keys.get(user))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> put(String user, String path, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + keys.get(user))
                .header("Content-Type", OciManifest.OCI).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> get(String user, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (user != null) b.header("Authorization", "Bearer " + keys.get(user));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The audit log's lines that record {@code action}. */
    List<String> audited(String action) throws IOException {
        return Files.readAllLines(services.audit().file(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("\"" + action + "\"")).toList();
    }

    /** Every regular file under the home's blobs/ and transfers/ directories. */
    List<Path> blobFiles() throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (String dir : List.of("blobs", "transfers")) {
            Path d = home.resolve(dir);
            if (!Files.isDirectory(d)) continue;
            try (var files = Files.list(d)) {
                files.filter(Files::isRegularFile).forEach(out::add);
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
