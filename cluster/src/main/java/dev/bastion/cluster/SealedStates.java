package dev.bastion.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.security.SecretBox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Node states as they travel through Hazelcast: JSON sealed with the cluster's state key, bound to the map key it is
 * stored under (an entry copied to another node's key does not open). The Community Edition neither encrypts nor
 * authenticates member traffic, so a machine that joins the member port without the key sees only ciphertext and
 * cannot put an entry the nodes would believe.
 */
final class SealedStates {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTEXT = "bastion/cluster/node-state/v1/";

    private final SecretBox key;

    SealedStates(SecretBox key) {
        this.key = key;
    }

    byte[] seal(NodeState state) {
        try {
            return key.encrypt(JSON.writeValueAsBytes(state), aad(state.name()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the node state", e);
        }
    }

    /** Empty for anything that does not open with the key under {@code name}, or does not parse, or names another node. */
    Optional<NodeState> open(String name, byte[] sealed) {
        try {
            NodeState state = JSON.readValue(key.decrypt(sealed, aad(name)), NodeState.class);
            return name.equals(state.name()) ? Optional.of(state) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] aad(String name) {
        return (CONTEXT + name).getBytes(StandardCharsets.UTF_8);
    }
}
