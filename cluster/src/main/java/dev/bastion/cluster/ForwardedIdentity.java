package dev.bastion.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The caller a peer authenticated, carried with a forwarded request. Believed only on the node port, which admits
 * nothing but connections presenting a certificate of the cluster CA: the same header on the public port is refused
 * (and audited as a failed authentication), so a client can never claim an identity by sending it. It also carries
 * the end client's address, so the serving node's per-IP rate limits count the client, not the forwarding node.
 */
public final class ForwardedIdentity implements Authenticator {

    public static final String HEADER = "X-Bastion-Forwarded-Principal";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HEADER_CHARS = 4096;

    private final int nodePort;

    /** @param nodePort the mutual-TLS listener's port, the only one the header is believed on */
    public ForwardedIdentity(int nodePort) {
        this.nodePort = nodePort;
    }

    /** @param client the end client's IP address as the forwarding node resolved it (its rate limits key on it) */
    record Wire(long userId, String userName, String role, List<String> scopes, String keyPrefix, String client) {
    }

    /** The caller and the client address a peer vouches for (null if it named none). */
    record Forwarded(Principal principal, InetAddress client) {
    }

    public static String encode(Principal principal) {
        return encode(principal, null);
    }

    /** @param clientIp the end client's address as this node resolved it, or null */
    public static String encode(Principal principal, String clientIp) {
        try {
            Wire wire = new Wire(principal.userId(), principal.userName(), principal.role().id(),
                    principal.scopes().stream().map(Scope::id).sorted().toList(), principal.keyPrefix(), clientIp);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(wire));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the caller", e);
        }
    }

    static Principal decode(String header) {
        return decodeForwarded(header).principal();
    }

    static Forwarded decodeForwarded(String header) {
        if (header.length() > MAX_HEADER_CHARS) throw new IllegalArgumentException("forwarded identity too long");
        try {
            Wire wire = JSON.readValue(Base64.getUrlDecoder().decode(header), Wire.class);
            Set<Scope> scopes = wire.scopes().stream().map(ForwardedIdentity::scope).collect(Collectors.toSet());
            // an IP literal only (no lookup): anything else is a malformed header, not a name to resolve
            InetAddress client = wire.client() == null ? null : InetAddress.ofLiteral(wire.client());
            return new Forwarded(new Principal(wire.userId(), wire.userName(), Role.parse(wire.role()), scopes,
                    wire.keyPrefix()), client);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed forwarded identity");
        }
    }

    private static Scope scope(String id) {
        return Scope.known().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scope"));
    }

    @Override
    public Optional<Authentication> authenticate(Credentials request) {
        String header = request.header(HEADER);
        if (header == null) return Optional.empty();
        if (request.localPort() != nodePort) {
            return Optional.of(new Authentication.Rejected(Map.of("credential", "forwarded identity off the node port")));
        }
        try {
            Forwarded forwarded = decodeForwarded(header);
            return Optional.of(new Authentication.Authenticated(forwarded.principal(), forwarded.client()));
        } catch (IllegalArgumentException e) {
            return Optional.of(new Authentication.Rejected(Map.of("credential", "malformed forwarded identity")));
        }
    }
}
