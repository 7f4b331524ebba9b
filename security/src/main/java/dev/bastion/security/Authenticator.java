package dev.bastion.security;

import java.util.Optional;

/**
 * One way a client proves who it is (API keys, web sessions, MCP tokens). The HTTP chain tries its authenticators in
 * order: the first that recognises a credential in the request decides; if none does, the request is unauthenticated.
 */
public interface Authenticator {

    /**
     * @return empty if the request carries no credential of this kind (the next authenticator is tried); otherwise
     *         the verdict on the credential it does carry
     */
    Optional<Authentication> authenticate(Credentials request);

    /** Where a request's credentials are read from; HTTP-agnostic so this module stays free of the web server. */
    interface Credentials {
        /** A request header's value, or null. */
        String header(String name);

        /** A cookie's value, or null. */
        String cookie(String name);

        /**
         * The local port the request arrived on (-1 if unknown): a credential only one listener may accept (a cluster
         * peer's forwarded identity on the mutual-TLS node port) must never be accepted on another.
         */
        default int localPort() {
            return -1;
        }
    }
}
