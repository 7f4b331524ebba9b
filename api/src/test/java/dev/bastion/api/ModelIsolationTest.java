package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model isolation on a real store behind the real security chain: alice's private model is invisible to bob (every
 * endpoint answers as for an unknown model), visible to alice and the admin; the operator's unowned model is shared.
 * Model operations land in the audit log, refusals as denials.
 */
class ModelIsolationTest extends SecuredStoreTest {

    private static final String PRIVATE = "alice/private";
    private static final String GHOST = "alice/ghost";

    @Override
    void seed(Path tiny) throws Exception {
        store.importDirectory(tiny, ModelName.parse(PRIVATE), "alice");
    }

    /** Every request naming a model, for a given model name. */
    private static List<Function<TestHttp, TestHttp.Response>> requestsNaming(String model) {
        String m = "\"" + model + "\"";
        List<Function<TestHttp, TestHttp.Response>> requests = new ArrayList<>();
        requests.add(h -> call(() -> h.post("/api/show", "{\"model\":" + m + "}")));
        requests.add(h -> call(() -> h.post("/api/generate", "{\"model\":" + m + ",\"prompt\":\"hi\",\"stream\":false}")));
        requests.add(h -> call(() -> h.post("/api/generate", "{\"model\":" + m + "}"))); // preload
        requests.add(h -> call(() -> h.post("/api/chat", "{\"model\":" + m + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
        requests.add(h -> call(() -> h.post("/api/embed", "{\"model\":" + m + ",\"input\":\"hi\"}")));
        requests.add(h -> call(() -> h.post("/api/embeddings", "{\"model\":" + m + ",\"prompt\":\"hi\"}")));
        requests.add(h -> call(() -> h.get("/v1/models/" + model)));
        requests.add(h -> call(() -> h.post("/v1/chat/completions", "{\"model\":" + m + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
        requests.add(h -> call(() -> h.post("/v1/completions", "{\"model\":" + m + ",\"prompt\":\"hi\"}")));
        requests.add(h -> call(() -> h.post("/v1/embeddings", "{\"model\":" + m + ",\"input\":\"hi\"}")));
        requests.add(h -> call(() -> h.post("/api/copy", "{\"source\":" + m + ",\"destination\":\"bob/stolen\"}")));
        requests.add(h -> call(() -> h.post("/api/create", "{\"model\":\"bob/derived\",\"from\":" + m + ",\"stream\":false}")));
        requests.add(h -> call(() -> h.delete("/api/delete", "{\"model\":" + m + "}")));
        return requests;
    }

    private interface Call {
        TestHttp.Response send() throws Exception;
    }

    private static TestHttp.Response call(Call call) {
        try {
            return call.send();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }


    @Test
    void anotherUsersPrivateModelAnswersExactlyLikeAnUnknownOne() throws Exception {
        List<Function<TestHttp, TestHttp.Response>> onPrivate = requestsNaming(PRIVATE);
        List<Function<TestHttp, TestHttp.Response>> onGhost = requestsNaming(GHOST);
        for (int i = 0; i < onPrivate.size(); i++) {
            TestHttp.Response hidden = onPrivate.get(i).apply(bob);
            TestHttp.Response unknown = onGhost.get(i).apply(bob);
            assertThat(unknown.status()).as("request %d on an unknown model: %s", i, unknown.body()).isEqualTo(404);
            assertThat(hidden.status()).as("request %d: %s", i, hidden.body()).isEqualTo(404);
            assertThat(withoutRequestId(hidden.body()).replace(PRIVATE, GHOST)).as("request %d", i)
                    .isEqualTo(withoutRequestId(unknown.body()));
        }
        assertThat(store.list()).extracting(info -> info.name().toString())
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
    }

    @Test
    void listingsShowOwnAndSharedModelsOnlyAdminsSeeAll() throws Exception {
        assertThat(names(bob.get("/api/tags").json().get("models"), "name")).containsExactly("shared:latest");
        assertThat(names(bob.get("/v1/models").json().get("data"), "id")).containsExactly("shared:latest");
        assertThat(names(alice.get("/api/tags").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
        assertThat(names(alice.get("/v1/models").json().get("data"), "id"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
        assertThat(names(admin.get("/api/tags").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
    }

    @Test
    void runningModelsAreListedOnlyToThoseWhoMaySeeThem() throws Exception {
        assertThat(alice.post("/api/generate", "{\"model\":\"" + PRIVATE + "\"}").status()).isEqualTo(200);
        assertThat(bob.post("/api/generate", "{\"model\":\"shared\"}").status()).isEqualTo(200);
        assertThat(names(bob.get("/api/ps").json().get("models"), "name")).containsExactly("shared:latest");
        assertThat(names(alice.get("/api/ps").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
        assertThat(names(admin.get("/api/ps").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
    }

    @Test
    void theOwnerAndAdminsMayUseCopyAndDeleteAPrivateModel() throws Exception {
        assertThat(alice.post("/api/show", "{\"model\":\"" + PRIVATE + "\"}").status()).isEqualTo(200);
        JsonNode generated = alice.post("/api/generate", "{\"model\":\"" + PRIVATE + "\",\"prompt\":\"a b\",\"stream\":false}").json();
        assertThat(generated.get("response").asText()).isNotEmpty();
        assertThat(admin.get("/v1/models/" + PRIVATE).json().get("id").asText()).isEqualTo(PRIVATE + ":latest");
        assertThat(admin.post("/v1/completions", "{\"model\":\"" + PRIVATE + "\",\"prompt\":\"a b\"}").status()).isEqualTo(200);

        assertThat(alice.post("/api/copy", "{\"source\":\"" + PRIVATE + "\",\"destination\":\"alice/copy\"}").status()).isEqualTo(200);
        assertThat(store.show(ModelName.parse("alice/copy")).owner()).isEqualTo("alice");
        assertThat(bob.post("/api/show", "{\"model\":\"alice/copy\"}").status()).isEqualTo(404);
        assertThat(admin.delete("/api/delete", "{\"model\":\"alice/copy\"}").status()).isEqualTo(200);
        assertThat(alice.delete("/api/delete", "{\"model\":\"" + PRIVATE + "\"}").status()).isEqualTo(200);
        assertThat(store.list()).extracting(info -> info.name().toString()).containsExactly("shared:latest");
    }

    @Test
    void sharedModelsAreUsableByAllButOnlyAdminsDeleteThem() throws Exception {
        for (TestHttp user : List.of(alice, bob, admin)) {
            assertThat(user.post("/api/show", "{\"model\":\"shared\"}").status()).isEqualTo(200);
            assertThat(user.post("/api/chat", "{\"model\":\"shared\",\"messages\":[{\"role\":\"user\",\"content\":\"x y\"}],\"stream\":false}").status())
                    .isEqualTo(200);
        }
        assertThat(bob.post("/api/create", "{\"model\":\"bob/mine\",\"from\":\"shared\",\"system\":\"Hi\",\"stream\":false}").status())
                .isEqualTo(200);
        assertThat(store.show(ModelName.parse("bob/mine")).owner()).isEqualTo("bob");
        assertThat(alice.post("/api/show", "{\"model\":\"bob/mine\"}").status()).isEqualTo(404);

        TestHttp.Response refused = bob.delete("/api/delete", "{\"model\":\"shared\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(admin.delete("/api/delete", "{\"model\":\"shared\"}").status()).isEqualTo(200);
    }

    @Test
    void modelOperationsAreAuditedWithActorRequestIdAndOutcome() throws Exception {
        assertThat(alice.post("/api/create", "{\"model\":\"alice/terse\",\"from\":\"" + PRIVATE + "\",\"system\":\"Be terse.\",\"stream\":false}").status())
                .isEqualTo(200);
        assertThat(alice.post("/api/copy", "{\"source\":\"alice/terse\",\"destination\":\"alice/terse2\"}").status()).isEqualTo(200);
        assertThat(alice.delete("/api/delete", "{\"model\":\"alice/terse2\"}").status()).isEqualTo(200);
        assertThat(bob.delete("/api/delete", "{\"model\":\"" + PRIVATE + "\"}").status()).isEqualTo(404);
        assertThat(bob.delete("/api/delete", "{\"model\":\"shared\"}").status()).isEqualTo(403);
        assertThat(bob.post("/api/copy", "{\"source\":\"" + PRIVATE + "\",\"destination\":\"bob/x\"}").status()).isEqualTo(404);
        // a hostile name cannot forge a line or field in the audit log
        assertThat(bob.delete("/api/delete", "{\"model\":\"x\\n{\\\"seq\\\":1}\\u0000\"}").status()).isEqualTo(400);

        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(services.audit().file())) {
            JsonNode record = JsonFields.MAPPER.readTree(line);
            if (record.get("action").asText().startsWith("model.")) records.add(record);
        }
        assertThat(records).extracting(r -> String.join(" ", r.get("actor").asText(), r.get("action").asText(),
                        r.get("target").asText(), r.get("outcome").asText()))
                .containsExactly(
                        "alice model.create alice/terse success",
                        "alice model.copy alice/terse2 success",
                        "alice model.delete alice/terse2 success",
                        "bob model.delete alice/private denied",
                        "bob model.delete shared denied",
                        "bob model.copy bob/x denied",
                        "bob model.delete x?{\"seq\":1}? failure");
        assertThat(records.get(0).get("details").get("from").asText()).isEqualTo(PRIVATE);
        assertThat(records.get(5).get("details").get("source").asText()).isEqualTo(PRIVATE);
        assertThat(records).allSatisfy(r -> assertThat(r.get("request_id").asText()).matches("[A-Za-z0-9_-]{22}"));
        assertThat(services.verifyAudit().ok()).as(services.verifyAudit().describe()).isTrue();
    }

    @Test
    void withoutAuthenticationTheLocalOperatorSeesEverythingAndStoresSharedModels() throws Exception {
        server.close();
        server = start(SecurityConfig.defaults().withInsecureNoAuth(true));
        TestHttp operator = new TestHttp(server.baseUrl());
        assertThat(names(operator.get("/api/tags").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", PRIVATE + ":latest");
        assertThat(operator.post("/api/show", "{\"model\":\"" + PRIVATE + "\"}").status()).isEqualTo(200);
        assertThat(operator.post("/api/copy", "{\"source\":\"" + PRIVATE + "\",\"destination\":\"common\"}").status()).isEqualTo(200);
        assertThat(store.show(ModelName.parse("common")).owner()).isNull();
    }
}
