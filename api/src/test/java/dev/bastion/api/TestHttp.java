package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small JDK HttpClient wrapper for driving the server in tests. */
final class TestHttp {

    record Response(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JsonFields.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        List<JsonNode> ndjson() {
            List<JsonNode> out = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.isBlank()) continue;
                try {
                    out.add(JsonFields.MAPPER.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError("not NDJSON: " + line, e);
                }
            }
            return out;
        }
    }

    private final String base;
    private final String[] headers;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param headers name, value pairs sent with every request (e.g. Authorization) */
    TestHttp(String base, String... headers) {
        this.base = base;
        this.headers = headers.clone();
    }

    Response get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Response post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response post(String path, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Response delete(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).method("DELETE", HttpRequest.BodyPublishers.ofString(json)));
    }

    Response head(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    private Response send(HttpRequest.Builder b) throws Exception {
        if (headers.length > 0) b.headers(headers);
        HttpRequest request = b.timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r;
        for (int attempt = 1; ; attempt++) {
            try {
                r = client.send(request, HttpResponse.BodyHandlers.ofString());
                break;
            } catch (IOException e) {
                // The server closes a connection after rejecting a malformed request; the pool may hand out such
                // closed connections more than once (each failure drops one).
                if (attempt == 3) throw e;
            }
        }
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }
}
