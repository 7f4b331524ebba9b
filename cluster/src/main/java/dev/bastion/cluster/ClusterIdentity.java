package dev.bastion.cluster;

import dev.bastion.security.SecretBox;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.X509Certificate;

/**
 * What a node proves and trusts: its certificate under the cluster CA, and the key that seals what it shares. Nothing
 * node-to-node happens without it, so a machine without a node certificate can neither call a node nor be called.
 */
public interface ClusterIdentity {

    /** This node's name, as its certificate's subject states it. */
    String nodeName();

    /**
     * Mutual TLS for the node port and for calls to peers: presents this node's certificate, trusts only certificates
     * the cluster CA issued, and (as a server) requires one from the caller.
     */
    SSLContext sslContext();

    /**
     * Seals what this node puts into Hazelcast: the Community Edition neither encrypts nor authenticates member
     * traffic (TLS is an Enterprise feature), so shared state is readable and writable only with the cluster's key.
     */
    SecretBox stateKey();

    /** This node's certificate: its SAN lists the addresses peers may dial it at. */
    X509Certificate certificate();

    /**
     * The peer on the other end of {@code session}, re-checked now (issuer, validity, the revocation list as it is on
     * disk): a connection opened before a revocation stays open, and only this check cuts the node off.
     */
    String verifyPeer(SSLSession session) throws SSLPeerUnverifiedException;

    /**
     * A token that changes (by identity) whenever the revocation list in use changes. A client keeping connections to
     * peers drops them then, so that no request goes over a connection opened before a peer was revoked: a new
     * connection's handshake checks the new list. Null: this identity has no revocation list.
     */
    default Object revocationGeneration() {
        return null;
    }
}
