package dev.bastion.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * How a client proves itself to a registry: {@code BASTION_REGISTRY_TOKEN} (a Bastion API key or a registry's bearer
 * token), else the first line of the file {@code BASTION_REGISTRY_TOKEN_FILE}, else {@code BASTION_REGISTRY_USER} with
 * {@code BASTION_REGISTRY_PASSWORD} (HTTP basic); never from the command line, where other users could read it.
 */
public record RegistryCredentials(Optional<String> authorization) {

    public static final RegistryCredentials NONE = new RegistryCredentials(Optional.empty());

    public static RegistryCredentials fromEnvironment(Map<String, String> env) throws IOException {
        String token = env.get("BASTION_REGISTRY_TOKEN");
        if (token == null && env.get("BASTION_REGISTRY_TOKEN_FILE") != null) {
            Path file = Path.of(env.get("BASTION_REGISTRY_TOKEN_FILE"));
            try {
                token = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            } catch (IOException e) {
                throw new IOException("BASTION_REGISTRY_TOKEN_FILE cannot be read");
            }
        }
        if (token != null && !token.isBlank()) return bearer(token.strip());
        String user = env.get("BASTION_REGISTRY_USER");
        String password = env.get("BASTION_REGISTRY_PASSWORD");
        if (user != null && password != null) {
            return new RegistryCredentials(Optional.of("Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))));
        }
        return NONE;
    }

    public static RegistryCredentials bearer(String token) {
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) throw new IllegalArgumentException("the registry token has invalid characters");
        return new RegistryCredentials(Optional.of("Bearer " + token));
    }

    @Override
    public String toString() {
        return authorization.isPresent() ? "RegistryCredentials[set]" : "RegistryCredentials[none]";
    }
}
