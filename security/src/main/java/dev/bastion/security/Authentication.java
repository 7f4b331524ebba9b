package dev.bastion.security;

import java.util.Map;

/** An {@link Authenticator}'s verdict on a credential it recognised. */
public sealed interface Authentication {

    /**
     * @param forwardedFor the end client's address when the credential is a peer node vouching for a request it
     *                     forwarded (rate limits then count the client, not the node); null for a direct caller
     */
    record Authenticated(Principal principal, java.net.InetAddress forwardedFor) implements Authentication {
        public Authenticated(Principal principal) {
            this(principal, null);
        }
    }

    /** @param auditDetails what the audit record may tell about the attempt (e.g. a key's public prefix), no secret */
    record Rejected(Map<String, String> auditDetails) implements Authentication {
        public Rejected {
            auditDetails = Map.copyOf(auditDetails);
        }
    }
}
