package dev.bastion.api;

import org.junit.jupiter.api.Test;

import java.security.Principal;

import static org.assertj.core.api.Assertions.assertThat;

/** The seam modules plug into: a module's filters run before every model route and may set the principal. */
class ServerExtensionTest extends FakeServerTest {

    @Test
    void anExtensionCanRejectRequestsAndNameTheOwnerOfWrites() throws Exception {
        start(0, 1, ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withModule(c -> c.routes.before(ctx -> {
            if (ctx.path().equals("/")) return;
            String user = ctx.queryParam("user");
            if (user == null) throw new ApiException(401, "authentication required", null);
            ctx.attribute(RequestContext.PRINCIPAL_ATTRIBUTE, (Principal) () -> user);
        })));
        assertThat(http.get("/").status()).isEqualTo(200);
        var denied = http.post("/api/copy", "{\"source\":\"tiny\",\"destination\":\"t2\"}");
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.json().get("error").asText()).isEqualTo("authentication required");
        assertThat(catalog.lastOwner).isNull();
        assertThat(http.get("/v1/models").json().get("error").get("message").asText()).isEqualTo("authentication required");

        assertThat(http.post("/api/copy?user=alice", "{\"source\":\"tiny\",\"destination\":\"t2\"}").status()).isEqualTo(200);
        assertThat(catalog.lastOwner).isEqualTo("alice");
        assertThat(http.post("/api/copy?user=bob", "{\"source\":\"tiny\",\"destination\":\"t2\"}").status()).isEqualTo(200);
        assertThat(catalog.lastOwner).isEqualTo("bob");
        assertThat(http.delete("/api/delete?user=bob", "{\"model\":\"t2\"}").status()).isEqualTo(200);
        assertThat(catalog.list()).extracting(ModelCatalog.ModelSummary::name).contains("alice/t2").doesNotContain("bob/t2", "t2");
    }

    @Test
    void onlyThoseThePolicyAllowsMayDeleteAModelOrWriteAnotherNamespace() throws Exception {
        start(0, 1, ServerConfig.defaults(new BindAddress("127.0.0.1", 0))
                .withModule(c -> c.routes.before(ctx -> ctx.attribute(RequestContext.PRINCIPAL_ATTRIBUTE, ctx.queryParam("user"))))
                .withModelAccess(new ModelAccessPolicy() {
                    @Override
                    public String owner(Caller caller) {
                        return caller.principal();
                    }

                    @Override
                    public boolean maySee(Caller caller, String owner) {
                        return true;
                    }

                    @Override
                    public boolean mayModify(Caller caller, String owner) {
                        return "root".equals(caller.principal()) || java.util.Objects.equals(owner, caller.principal());
                    }
                }));
        catalog.add("alices", 8, java.util.Map.of(), "alice");

        var denied = http.delete("/api/delete?user=bob", "{\"model\":\"alices\"}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.json().get("error").asText()).isEqualTo("model 'alices' belongs to another user");
        var elsewhere = http.post("/api/copy?user=bob", "{\"source\":\"tiny\",\"destination\":\"alice/x\"}");
        assertThat(elsewhere.status()).isEqualTo(403);
        assertThat(elsewhere.json().get("error").asText()).isEqualTo("you may only create models in your namespace 'bob'");
        assertThat(http.post("/api/create?user=bob", "{\"model\":\"library/alices\",\"from\":\"tiny\"}").status()).isEqualTo(403);
        assertThat(catalog.show("alices").summary().owner()).isEqualTo("alice");

        assertThat(http.post("/api/copy?user=bob", "{\"source\":\"alices\",\"destination\":\"alices\"}").status())
                .as("reading someone's model to make one's own is fine; the name is bob's own").isEqualTo(200);
        assertThat(catalog.show("bob/alices").summary().owner()).isEqualTo("bob");
        assertThat(http.post("/api/copy?user=root", "{\"source\":\"tiny\",\"destination\":\"alice/gift\"}").status()).isEqualTo(200);
        assertThat(catalog.show("alice/gift").summary().owner()).isEqualTo("alice");
        assertThat(http.delete("/api/delete?user=alice", "{\"model\":\"alices\"}").status()).isEqualTo(200);
        assertThat(http.delete("/api/delete?user=root", "{\"model\":\"bob/alices\"}").status()).isEqualTo(200);
    }

    @Test
    void aFilterThatReadsTheBodyLeavesItForTheRoute() throws Exception {
        java.util.List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        start(0, 1, ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withMaxBodyBytes(4096)
                .withModule(c -> c.routes.before(ctx -> seen.add(ctx.body().length()))));
        var r = http.post("/api/show", "{\"model\":\"tiny\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(seen).contains("{\"model\":\"tiny\"}".length());
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        start(0, 1, 4096);
        byte[] big = ("{\"model\":\"tiny\",\"prompt\":\"" + "x".repeat(10_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/api/generate"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build();
        var response = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("4096 bytes");
    }

    @Test
    void withoutAPrincipalTheOwnerIsNull() throws Exception {
        start(0, 1, 4096);
        assertThat(http.post("/api/copy", "{\"source\":\"tiny\",\"destination\":\"t2\"}").status()).isEqualTo(200);
        assertThat(catalog.lastOwner).isNull();
        assertThat(catalog.list()).extracting(ModelCatalog.ModelSummary::name).contains("t2");
    }
}
