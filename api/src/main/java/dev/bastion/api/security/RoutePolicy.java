package dev.bastion.api.security;

import dev.bastion.security.Scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Route → required scope. First matching rule wins; a path ending in {@code *} matches by prefix. Routes not listed
 * need the {@code admin} scope (fail closed), so a forgotten entry can never widen access.
 */
public final class RoutePolicy {

    private record Rule(String method, String path, Scope scope) {
        boolean matches(String requestMethod, String requestPath) {
            boolean methodOk = method.equals("*") || method.equalsIgnoreCase(requestMethod);
            boolean pathOk = path.endsWith("*") ? requestPath.startsWith(path.substring(0, path.length() - 1))
                    : path.equals(requestPath);
            return methodOk && pathOk;
        }
    }

    private final List<Rule> rules;

    private RoutePolicy(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Ollama and OpenAI endpoints. A null scope marks an open endpoint. */
    public static RoutePolicy defaults() {
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule("GET", "/", null));
        rules.add(new Rule("HEAD", "/", null));
        rules.add(new Rule("GET", "/api/version", null));
        for (String path : List.of("/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/show")) {
            rules.add(new Rule("POST", path, Scope.MODELS_USE));
        }
        rules.add(new Rule("GET", "/api/tags", Scope.MODELS_USE));
        rules.add(new Rule("GET", "/api/ps", Scope.MODELS_USE));
        for (String path : List.of("/api/create", "/api/copy", "/api/pull", "/api/push", "/api/import")) {
            rules.add(new Rule("POST", path, Scope.MODELS_MANAGE));
        }
        rules.add(new Rule("DELETE", "/api/delete", Scope.MODELS_MANAGE));
        rules.add(new Rule("*", "/api/blobs/*", Scope.MODELS_MANAGE));
        for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
            rules.add(new Rule("POST", path, Scope.MODELS_USE));
        }
        rules.add(new Rule("GET", "/v1/models", Scope.MODELS_USE));
        rules.add(new Rule("GET", "/v1/models/*", Scope.MODELS_USE));
        rules.add(new Rule("*", "/api/admin/*", Scope.ADMIN));
        return new RoutePolicy(rules);
    }

    /** A copy with one more rule, checked before the existing ones; {@code scope} null = open. */
    public RoutePolicy with(String method, String path, Scope scope) {
        List<Rule> extended = new ArrayList<>();
        extended.add(new Rule(method, path, scope));
        extended.addAll(rules);
        return new RoutePolicy(extended);
    }

    /** The scope required, or empty for an open endpoint. */
    public Optional<Scope> requiredScope(String method, String path) {
        for (Rule rule : rules) {
            if (rule.matches(method, path)) {
                return Optional.ofNullable(rule.scope());
            }
        }
        return Optional.of(Scope.ADMIN);
    }
}
