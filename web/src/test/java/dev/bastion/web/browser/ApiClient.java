package dev.bastion.web.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A plain HTTP client signed in with a password, as a browser would be: the session cookie and its CSRF token. */
public final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String base;
    private final String cookie;
    private final String csrf;

    private ApiClient(String base, String cookie, String csrf) {
        this.base = base;
        this.cookie = cookie;
        this.csrf = csrf;
    }

    public static ApiClient signIn(String base, String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/web/api/sign-in"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("user", user)
                        .put("password", password).toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new AssertionError("sign-in of " + user + ": " + response.statusCode());
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        return new ApiClient(base, setCookie.substring(0, setCookie.indexOf(';')),
                JSON.readTree(response.body()).path("csrf_token").asText());
    }

    /** A request with this session's cookie (name=value) and, unless {@code withCsrf} is false, its CSRF token. */
    public HttpResponse<String> send(String method, String path, String body, boolean withCsrf)
            throws IOException, InterruptedException {
        return send(base, cookie, withCsrf ? csrf : null, method, path, body);
    }

    public HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return send(method, path, body, true);
    }

    /** A page, asked for as a browser does (Accept: text/html), with this session's cookie. */
    public HttpResponse<String> page(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html")
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JSON answer of a request that must succeed. */
    public JsonNode json(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, path, body);
        if (response.statusCode() / 100 != 2) throw new AssertionError(method + " " + path + ": " + response.statusCode() + " " + response.body());
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    /** A conversation created with {@code title}, holding {@code messages} (a JSON array), for the tests to open. */
    public String conversation(String title, String messagesJson) throws IOException, InterruptedException {
        String id = json("POST", "/web/api/conversations", JSON.createObjectNode().put("title", title)
                .put("model", WebTestServer.MODEL).toString()).path("id").asText();
        if (messagesJson != null) json("POST", "/web/api/conversations/" + id + "/messages", "{\"messages\":" + messagesJson + "}");
        return id;
    }

    public String cookie() {
        return cookie;
    }

    static HttpResponse<String> send(String base, String cookie, String csrf, String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", "application/json");
        if (cookie != null) request.header("Cookie", cookie);
        if (csrf != null) request.header("X-CSRF-Token", csrf);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
