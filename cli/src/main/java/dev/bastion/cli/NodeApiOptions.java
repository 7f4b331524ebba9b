package dev.bastion.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A running node's API and an admin key for it, for commands that ask a server rather than open the home. */
final class NodeApiOptions {

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:11434",
            description = "A running node's API (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding an admin API key (default: $BASTION_API_KEY).")
    Path keyFile;

    /** GET or POST (with a JSON body) {@code path}; a non-2xx answer is an error naming the status only. */
    String call(Map<String, String> env, String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.replaceAll("/+$", "") + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + apiKey(env));
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw new IllegalStateException("the server refused the key (" + response.statusCode() + "): an admin key is needed");
            }
            if (response.statusCode() == 404 && path.startsWith("/api/cluster/status")) {
                throw new IllegalStateException("the server at " + server + " is not a cluster node (BASTION_CLUSTER=on)");
            }
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("the server answered " + response.statusCode() + ": " + errorOf(response.body()));
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private String apiKey(Map<String, String> env) {
        try {
            String key = keyFile != null ? Files.readString(keyFile).strip() : env.getOrDefault("BASTION_API_KEY", "").strip();
            if (key.isEmpty()) throw new IllegalArgumentException("an admin key is needed: set BASTION_API_KEY or give --key-file");
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the key file");
        }
    }

    private static String errorOf(String body) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("error");
            String message = node.isTextual() ? node.asText() : node.path("message").asText("");
            return message.length() > 200 ? message.substring(0, 200) : message;
        } catch (IOException e) {
            return "";
        }
    }
}
