package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.security.Scope;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-user model namespaces on a real store behind the real security chain: an unqualified name a user writes lands
 * in their namespace ({@code alice/mine:latest}) and one they read resolves there first, then in the shared
 * {@code library}; names never collide across users, and no answer reveals whether another user's model exists.
 */
class ModelNamespaceTest extends SecuredStoreTest {

    private static String create(String model, String from, String system) {
        return "{\"model\":\"" + model + "\",\"from\":\"" + from + "\",\"system\":\"" + system + "\",\"stream\":false}";
    }

    private static String model(String name) {
        return "{\"model\":\"" + name + "\"}";
    }

    private List<String> stored() throws Exception {
        return store.list().stream().map(info -> info.name() + " " + info.owner()).toList();
    }

    @Test
    void parentModelNamesOnlyAModelTheReaderMaySee() throws Exception {
        assertThat(alice.post("/api/create", create("private-base", "shared", "alice's own")).status()).isEqualTo(200);
        assertThat(alice.post("/api/create", create("child", "private-base", "child")).status()).isEqualTo(200);
        assertThat(alice.post("/api/show", model("child")).json().get("details").get("parent_model").asText())
                .isEqualTo("alice/private-base:latest");
        // an admin shares a model made from alice's private one
        assertThat(admin.post("/api/create", create("library/public-child", "alice/private-base", "shared child")).status()).isEqualTo(200);
        assertThat(admin.post("/api/show", model("library/public-child")).json().get("details").get("parent_model").asText())
                .as("the admin sees alice's models").isEqualTo("alice/private-base:latest");
        assertThat(bob.post("/api/show", model("public-child")).json().get("details").get("parent_model").asText())
                .as("bob may not learn alice's model exists").isEmpty();
    }

    @Test
    void twoUsersCreatingTheSameNameGetSeparateModels() throws Exception {
        TestHttp.Response first = alice.post("/api/create", create("mine", "shared", "I am alice's."));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        TestHttp.Response second = bob.post("/api/create", create("mine", "shared", "I am bob's."));
        assertThat(second.status()).as("the old collision 403 is gone: %s", second.body()).isEqualTo(200);

        assertThat(stored()).containsExactlyInAnyOrder("shared:latest null", "alice/mine:latest alice", "bob/mine:latest bob");
        assertThat(alice.post("/api/show", model("mine")).json().get("system").asText()).isEqualTo("I am alice's.");
        assertThat(bob.post("/api/show", model("mine")).json().get("system").asText()).isEqualTo("I am bob's.");
        assertThat(names(alice.get("/api/tags").json().get("models"), "name"))
                .containsExactlyInAnyOrder("shared:latest", "alice/mine:latest");
        assertThat(names(bob.get("/v1/models").json().get("data"), "id")).containsExactlyInAnyOrder("shared:latest", "bob/mine:latest");
    }

    @Test
    void theNameFromTheListingWorksInEveryEndpointAndReplies() throws Exception {
        assertThat(alice.post("/api/create", create("mine:v1", "shared", "S")).status()).isEqualTo(200);
        String listed = names(alice.get("/api/tags").json().get("models"), "name").stream()
                .filter(n -> n.startsWith("alice/")).findFirst().orElseThrow();
        assertThat(listed).isEqualTo("alice/mine:v1");
        for (String name : List.of(listed, "mine:v1")) {
            assertThat(alice.post("/api/show", model(name)).status()).isEqualTo(200);
            JsonNode generated = alice.post("/api/generate", "{\"model\":\"" + name + "\",\"prompt\":\"a b\",\"stream\":false}").json();
            assertThat(generated.get("model").asText()).as("replies echo the name as written").isEqualTo(name);
            assertThat(alice.post("/v1/chat/completions", "{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                    .status()).isEqualTo(200);
            assertThat(alice.post("/api/embed", "{\"model\":\"" + name + "\",\"input\":\"x\"}").status()).isEqualTo(200);
        }
        assertThat(alice.get("/v1/models/" + listed).json().get("id").asText()).isEqualTo(listed);
        assertThat(names(alice.get("/api/ps").json().get("models"), "name")).containsExactly(listed);
        assertThat(bob.get("/api/ps").json().get("models")).isEmpty();
        assertThat(alice.post("/api/copy", "{\"source\":\"" + listed + "\",\"destination\":\"" + listed + "\"}").status()).isEqualTo(200);
        assertThat(alice.delete("/api/delete", model(listed)).status()).isEqualTo(200);
        assertThat(stored()).containsExactly("shared:latest null");
    }

    @Test
    void anOwnModelShadowsASharedOneOfTheSameNameAndLibraryNamesTheShared() throws Exception {
        assertThat(alice.post("/api/create", create("shared", "shared", "mine now")).status()).isEqualTo(200);
        assertThat(alice.post("/api/show", model("shared")).json().get("system").asText()).isEqualTo("mine now");
        assertThat(alice.post("/api/show", model("library/shared")).json().has("system")).isFalse();
        assertThat(bob.post("/api/show", model("shared")).json().has("system")).as("bob still gets the shared one").isFalse();
        assertThat(alice.post("/api/create", create("again", "library/shared", "from the shared one")).status()).isEqualTo(200);
        assertThat(alice.delete("/api/delete", model("shared")).status()).isEqualTo(200);
        assertThat(stored()).containsExactlyInAnyOrder("shared:latest null", "alice/again:latest alice");
    }

    @Test
    void aliceCanNeitherSeeNorUseNorCopyNorDeleteNorOverwriteBobs() throws Exception {
        assertThat(bob.post("/api/create", create("secret", "shared", "bob's")).status()).isEqualTo(200);
        String[] reads = {
                "/api/show " + model("bob/secret"),
                "/api/generate {\"model\":\"bob/secret\",\"prompt\":\"x\",\"stream\":false}",
                "/api/copy {\"source\":\"bob/secret\",\"destination\":\"stolen\"}",
                "/api/create " + create("derived", "bob/secret", "x"),
        };
        for (String read : reads) {
            String path = read.substring(0, read.indexOf(' '));
            String body = read.substring(read.indexOf(' ') + 1);
            TestHttp.Response hidden = alice.post(path, body);
            TestHttp.Response unknown = alice.post(path, body.replace("bob/secret", "bob/ghost"));
            assertThat(hidden.status()).as(read).isEqualTo(404);
            assertThat(withoutRequestId(hidden.body()).replace("bob/secret", "bob/ghost")).as(read)
                    .isEqualTo(withoutRequestId(unknown.body()));
        }
        assertThat(alice.delete("/api/delete", model("bob/secret")).status()).isEqualTo(404);
        assertThat(alice.get("/v1/models/bob/secret").status()).isEqualTo(404);
        assertThat(alice.post("/api/show", model("secret")).status()).as("unqualified: alice's own, then library").isEqualTo(404);

        // writing into bob's namespace: one answer whether the target exists or not
        TestHttp.Response onExisting = alice.post("/api/create", create("bob/secret", "shared", "overwritten"));
        TestHttp.Response onAbsent = alice.post("/api/create", create("bob/ghost", "shared", "planted"));
        TestHttp.Response copyOnExisting = alice.post("/api/copy", "{\"source\":\"shared\",\"destination\":\"bob/secret\"}");
        TestHttp.Response copyOnAbsent = alice.post("/api/copy", "{\"source\":\"shared\",\"destination\":\"bob/ghost\"}");
        for (TestHttp.Response r : List.of(onExisting, onAbsent, copyOnExisting, copyOnAbsent)) {
            assertThat(r.status()).as(r.body()).isEqualTo(403);
            assertThat(r.json().get("error").asText()).isEqualTo("you may only create models in your namespace 'alice'");
        }
        assertThat(stored()).containsExactlyInAnyOrder("shared:latest null", "bob/secret:latest bob");
        assertThat(bob.post("/api/show", model("secret")).json().get("system").asText()).isEqualTo("bob's");
    }

    @Test
    void onlyAdminsWriteTheSharedNamespaceAndOtherUsersNamespaces() throws Exception {
        for (String target : List.of("library/shared", "library/fresh")) {
            TestHttp.Response refused = bob.post("/api/create", create(target, "shared", "x"));
            assertThat(refused.status()).as(target).isEqualTo(403);
            assertThat(refused.json().get("error").asText()).isEqualTo("you may only create models in your namespace 'bob'");
        }
        assertThat(admin.post("/api/create", create("library/fresh", "shared", "for all")).status()).isEqualTo(200);
        assertThat(admin.post("/api/copy", "{\"source\":\"shared\",\"destination\":\"bob/gift\"}").status()).isEqualTo(200);
        assertThat(admin.post("/api/create", create("own", "shared", "root's")).status()).isEqualTo(200);
        assertThat(stored()).containsExactlyInAnyOrder("shared:latest null", "fresh:latest null", "bob/gift:latest bob",
                "root/own:latest root");
        for (TestHttp user : List.of(alice, bob)) {
            assertThat(user.post("/api/show", model("fresh")).json().get("system").asText()).isEqualTo("for all");
        }
        assertThat(bob.post("/api/show", model("gift")).status()).isEqualTo(200);
        assertThat(alice.post("/api/show", model("bob/gift")).status()).isEqualTo(404);
        assertThat(admin.post("/api/show", model("bob/gift")).status()).isEqualTo(200);
        assertThat(admin.delete("/api/delete", model("bob/gift")).status()).isEqualTo(200);
        assertThat(bob.delete("/api/delete", model("fresh")).status()).isEqualTo(403);
    }

    @Test
    void aStoreWrittenBeforeNamespacesKeepsWorking() throws Exception {
        // Before namespaces a user's model was stored under its global name with the user as owner.
        Path tiny = source.resolve("m");
        store.importDirectory(tiny, ModelName.parse("legacy"), "alice");
        store.importDirectory(tiny, ModelName.parse("bob/planted"), "alice");

        assertThat(names(alice.get("/api/tags").json().get("models"), "name")).contains("legacy:latest", "bob/planted:latest");
        assertThat(alice.post("/api/generate", "{\"model\":\"legacy\",\"prompt\":\"a\",\"stream\":false}").status()).isEqualTo(200);
        assertThat(bob.post("/api/show", model("legacy")).status()).isEqualTo(404);
        assertThat(bob.post("/api/create", create("legacy", "shared", "bob's")).status())
                .as("the old name no longer collides").isEqualTo(200);
        assertThat(bob.post("/api/show", model("legacy")).json().get("system").asText()).isEqualTo("bob's");
        assertThat(alice.post("/api/show", model("legacy")).json().has("system")).isFalse();
        // bob's own namespace is his to write, whatever another user left in it
        assertThat(bob.post("/api/copy", "{\"source\":\"shared\",\"destination\":\"planted\"}").status()).isEqualTo(200);
        assertThat(alice.delete("/api/delete", model("legacy")).status()).isEqualTo(200);
        assertThat(stored()).containsExactlyInAnyOrder("shared:latest null", "bob/legacy:latest bob", "bob/planted:latest bob");
    }

    @Test
    void aUserWhoseNameIsNoNamespaceReadsButMustNameWhereToWrite() throws Exception {
        // Created before user names had to be namespaces.
        try (var connection = services.database().connection(); Statement s = connection.createStatement()) {
            s.executeUpdate("INSERT INTO users (name, role, created_at, disabled) VALUES ('Carol', 'user', 0, 0)");
        }
        TestHttp carol = client("Carol", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE));
        assertThat(carol.post("/api/show", model("shared")).status()).isEqualTo(200);
        TestHttp.Response refused = carol.post("/api/create", create("mine", "shared", "x"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("error").asText()).contains("user name 'Carol' is not a model namespace");
        assertThat(stored()).containsExactly("shared:latest null");
    }
}
