package dev.bastion.cluster;

import dev.bastion.security.SecretBox;

import javax.net.ssl.SSLContext;

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
}
