package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real store behind the real security chain (fake inference): the operator's shared model {@code shared}, users
 * alice and bob, and the admin root, each with a client whose key may use and manage models.
 */
abstract class SecuredStoreTest {

    @TempDir
    Path home;
    @TempDir
    Path source;

    ModelStore store;
    SecurityServices services;
    BastionServer server;
    TestHttp alice;
    TestHttp bob;
    TestHttp admin;

    @BeforeEach
    void startSecuredStore() throws Exception {
        store = new ModelStore(home);
        Path tiny = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2);
        store.importDirectory(tiny, ModelName.parse("shared"), null);
        seed(tiny);
        services = SecurityServices.open(home, Map.of());
        services.users().create("alice", Role.USER);
        services.users().create("bob", Role.USER);
        services.users().create("root", Role.ADMIN);
        server = start(SecurityConfig.defaults());
        alice = client("alice", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE));
        bob = client("bob", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE));
        admin = client("root", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE, Scope.ADMIN));
    }

    /** Puts a test's further models into the store (the tiny model directory at hand). */
    void seed(Path tiny) throws Exception {
    }

    BastionServer start(SecurityConfig security) {
        SecurityFilterChain chain = new SecurityFilterChain(security.withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)));
        return new BastionServer(config, new StoreCatalog(store), (dir, format) -> new FakeRuntime("tiny", 0)).start();
    }

    TestHttp client(String user, Set<Scope> scopes) {
        String key = services.keys().create(user, scopes, null, null).secret();
        return new TestHttp(server.baseUrl(), "Authorization", "Bearer " + key);
    }

    @AfterEach
    void stopSecuredStore() {
        server.close();
    }

    /** The error body without its request id, which differs per request by design. */
    static String withoutRequestId(String body) {
        return body.replaceAll("\"request_id\":\"[^\"]*\",?", "");
    }

    static List<String> names(JsonNode array, String field) {
        List<String> names = new ArrayList<>();
        array.forEach(node -> names.add(node.get(field).asText()));
        return names;
    }
}
