package dev.bastion.api;

import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import io.javalin.config.JavalinConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A module as a web app would be: its own scope, routes declaring it, a cookie session authenticator, lifecycle. */
class ServerModuleTest extends FakeServerTest {

    private static final Scope WEB_READ = Scope.define("test-web:read");

    /** Sessions by cookie: the one valid session is alice's, limited to the module's scope. */
    static final class WebModule implements ServerModule {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();

        @Override
        public void register(JavalinConfig config) {
            config.routes.get("/web/me", ctx -> ctx.result(RequestContext.principalName(ctx)), Access.scope(WEB_READ));
            config.routes.get("/web/health", ctx -> ctx.result("ok"), Access.OPEN);
        }

        @Override
        public List<Authenticator> authenticators() {
            return List.of(request -> Optional.ofNullable(request.cookie("session")).map(session -> session.equals("s3cret")
                    ? new Authentication.Authenticated(new Principal(7, "alice", Role.USER, Set.of(WEB_READ), null))
                    : new Authentication.Rejected(Map.of("session", "unknown"))));
        }

        @Override
        public void start() {
            started.incrementAndGet();
        }

        @Override
        public void stop() {
            stopped.incrementAndGet();
        }
    }

    @Test
    void aModulePlugsInRoutesWithItsOwnScopeAnAuthenticatorAndLifecycle() throws Exception {
        SecurityServices security = SecurityServices.open(home.resolve("security"), Map.of());
        security.users().create("alice", Role.USER);
        String useKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        WebModule web = new WebModule();
        start(0, 1, chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))).withModule(web));
        assertThat(web.started).hasValue(1);

        TestHttp session = new TestHttp(server.baseUrl(), "Cookie", "session=s3cret");
        TestHttp forged = new TestHttp(server.baseUrl(), "Cookie", "session=guess");
        TestHttp apiKey = new TestHttp(server.baseUrl(), "Authorization", "Bearer " + useKey);
        assertThat(http.get("/web/health").body()).isEqualTo("ok");
        assertThat(http.get("/web/me").status()).isEqualTo(401);
        assertThat(forged.get("/web/me").status()).isEqualTo(401);
        assertThat(session.get("/web/me").body()).isEqualTo("alice");
        assertThat(apiKey.get("/web/me").status()).as("an API key without the module's scope").isEqualTo(403);
        assertThat(session.get("/api/tags").status()).as("a session bounded by its scopes").isEqualTo(403);
        assertThat(apiKey.get("/api/tags").status()).isEqualTo(200);

        server.close();
        server = null;
        assertThat(web.stopped).hasValue(1);
    }
}
