package dev.bastion.cluster;

import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardedIdentityTest {

    private static final int NODE_PORT = 11435;
    private static final Principal ALICE = new Principal(7, "alice", Role.USER, Set.of(Scope.MODELS_USE), "bst_abc");
    private final ForwardedIdentity authenticator = new ForwardedIdentity(NODE_PORT);

    private static Authenticator.Credentials request(int port, String header) {
        return new Authenticator.Credentials() {
            @Override
            public String header(String name) {
                return name.equals(ForwardedIdentity.HEADER) ? header : null;
            }

            @Override
            public String cookie(String name) {
                return null;
            }

            @Override
            public int localPort() {
                return port;
            }
        };
    }

    @Test
    void theCallerArrivesIntactOnTheNodePort() {
        Optional<Authentication> verdict = authenticator.authenticate(request(NODE_PORT, ForwardedIdentity.encode(ALICE)));
        assertThat(verdict).contains(new Authentication.Authenticated(ALICE));
    }

    @Test
    void theEndClientsAddressTravelsWithTheCallerAndOnlyAsAnIpLiteral() throws Exception {
        assertThat(authenticator.authenticate(request(NODE_PORT, ForwardedIdentity.encode(ALICE, "203.0.113.9"))))
                .contains(new Authentication.Authenticated(ALICE, java.net.InetAddress.ofLiteral("203.0.113.9")));
        assertThat(authenticator.authenticate(request(NODE_PORT, ForwardedIdentity.encode(ALICE, "2001:db8::1"))))
                .contains(new Authentication.Authenticated(ALICE, java.net.InetAddress.ofLiteral("2001:db8::1")));
        // a host name is never looked up, a list or a malformed address is no address: the header is refused
        for (String hostile : new String[]{"localhost", "evil.example.com", "10.0.0.1, 10.0.0.2", "256.1.1.1", "",
                "10.0.0.1\r\nX-Injected: 1", "1".repeat(300)}) {
            assertThat(authenticator.authenticate(request(NODE_PORT, ForwardedIdentity.encode(ALICE, hostile))))
                    .as(hostile.length() > 40 ? "long" : hostile).containsInstanceOf(Authentication.Rejected.class);
        }
    }

    @Test
    void onAnyOtherPortTheHeaderIsARejectedCredentialNotAnIdentity() {
        assertThat(authenticator.authenticate(request(11434, ForwardedIdentity.encode(ALICE))))
                .containsInstanceOf(Authentication.Rejected.class);
        assertThat(authenticator.authenticate(request(-1, ForwardedIdentity.encode(ALICE))))
                .containsInstanceOf(Authentication.Rejected.class);
        assertThat(authenticator.authenticate(request(11434, null))).isEmpty();
    }

    @Test
    void malformedForwardedIdentitiesAreRejected() {
        for (String hostile : new String[]{"", "!!!", "x".repeat(10_000), b64("{}"), b64("[1,2]"),
                b64("{\"userId\":1,\"userName\":\"root\",\"role\":\"superuser\",\"scopes\":[\"admin\"]}"),
                b64("{\"userId\":1,\"userName\":\"root\",\"role\":\"admin\",\"scopes\":[\"everything\"]}"),
                b64("{\"userId\":1,\"userName\":null,\"role\":\"admin\",\"scopes\":[]}")}) {
            assertThat(authenticator.authenticate(request(NODE_PORT, hostile))).as(hostile.length() > 40 ? "long" : hostile)
                    .containsInstanceOf(Authentication.Rejected.class);
        }
    }

    @Test
    void rejectionsSayWhatForTheAuditButCarryNoSecret() {
        Authentication verdict = authenticator.authenticate(request(1, ForwardedIdentity.encode(ALICE))).orElseThrow();
        assertThat(((Authentication.Rejected) verdict).auditDetails()).isEqualTo(Map.of("credential",
                "forwarded identity off the node port"));
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
