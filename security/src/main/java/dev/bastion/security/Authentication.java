package dev.bastion.security;

import java.util.Map;

/** An {@link Authenticator}'s verdict on a credential it recognised. */
public sealed interface Authentication {

    record Authenticated(Principal principal) implements Authentication {
    }

    /** @param auditDetails what the audit record may tell about the attempt (e.g. a key's public prefix), no secret */
    record Rejected(Map<String, String> auditDetails) implements Authentication {
        public Rejected {
            auditDetails = Map.copyOf(auditDetails);
        }
    }
}
