/**
 * Several Bastion nodes as one service: membership, placement and load on an embedded Hazelcast member, requests
 * routed to the node that holds a model, node-to-node calls over mutual TLS under a cluster CA.
 */
package dev.bastion.cluster;
