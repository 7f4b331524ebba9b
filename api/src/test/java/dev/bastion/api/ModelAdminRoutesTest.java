package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin model routes: every namespace with owners, and imports confined to the import root. */
class ModelAdminRoutesTest extends SecuredStoreTest {

    @TempDir
    Path importRoot;
    @TempDir
    Path elsewhere;

    @Override
    void seed(Path tiny) throws Exception {
        store.importDirectory(tiny, ModelName.parse("alice/mine"), "alice");
    }

    @Override
    BastionServer start(SecurityConfig security) {
        SecurityFilterChain chain = new SecurityFilterChain(security.withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))).withImportRoot(importRoot);
        return new BastionServer(config, new StoreCatalog(store), (dir, format) -> new FakeRuntime("tiny", 0)).start();
    }

    private String importBody(String path, String name) {
        return "{\"path\":" + JsonFields.MAPPER.valueToTree(path) + ",\"name\":\"" + name + "\"}";
    }

    @Test
    void anAdminListsEveryNamespaceWithOwnersAndOthersAreRefused() throws Exception {
        TestHttp.Response r = admin.get("/api/admin/models");
        assertThat(r.status()).isEqualTo(200);
        JsonNode models = r.json().get("models");
        assertThat(names(models, "name")).containsExactlyInAnyOrder("shared:latest", "alice/mine:latest");
        for (JsonNode m : models) {
            assertThat(m.get("size").asLong()).isPositive();
            assertThat(m.get("details").has("quantization_level")).isTrue();
            assertThat(m.get("owner").isNull() ? null : m.get("owner").asText())
                    .isEqualTo(m.get("name").asText().startsWith("alice/") ? "alice" : null);
        }
        assertThat(alice.get("/api/admin/models").status()).isEqualTo(403);
        assertThat(alice.post("/api/admin/models/import", importBody("m", "x")).status()).isEqualTo(403);
    }

    @Test
    void importsADirectoryUnderTheRootAndAuditsIt() throws Exception {
        TinyModelFixture.tinyModel(importRoot.resolve("models/tiny2"), Architecture.LLAMA);
        TestHttp.Response r = admin.post("/api/admin/models/import", importBody("models/tiny2", "library/imported"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().get("name").asText()).isEqualTo("imported:latest");
        assertThat(alice.post("/api/show", "{\"model\":\"imported\"}").status()).as("shared with everyone").isEqualTo(200);

        Path absolute = importRoot.resolve("models/tiny2").toAbsolutePath();
        assertThat(admin.post("/api/admin/models/import", importBody(absolute.toString(), "alice/theirs")).status())
                .as("an absolute path inside the root is fine").isEqualTo(201);
        assertThat(alice.post("/api/show", "{\"model\":\"theirs\"}").status()).isEqualTo(200);
        assertThat(Files.readString(services.audit().file())).contains("\"action\":\"model.import\",\"target\":\"imported:latest\"");
    }

    @Test
    void pathsOutsideTheRootTraversalAndEscapingLinksAreRefusedWithoutNamingServerPaths() throws Exception {
        TinyModelFixture.tinyModel(elsewhere.resolve("secret"), Architecture.LLAMA);
        Files.createDirectories(importRoot.resolve("sub"));
        Files.createSymbolicLink(importRoot.resolve("link"), elsewhere.resolve("secret"));
        Files.createSymbolicLink(importRoot.resolve("sub/up"), elsewhere);
        String[] hostile = {
                elsewhere.resolve("secret").toString(),
                "../" + elsewhere.getFileName() + "/secret",
                "sub/../../" + elsewhere.getFileName() + "/secret",
                "link",
                "sub/up/secret",
                "/etc",
                "nothing-here",
                "bad\u0000name",
                "line\nbreak",
                "x".repeat(5000),
        };
        for (String path : hostile) {
            TestHttp.Response r = admin.post("/api/admin/models/import", importBody(path, "stolen"));
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.body()).as(path).doesNotContain(elsewhere.toString()).doesNotContain(importRoot.toString())
                    .contains("under the import root");
        }
        assertThat(admin.post("/api/admin/models/import", "{\"path\":\"link\"}").status()).isEqualTo(400);
        assertThat(admin.post("/api/admin/models/import", "{\"path\":7,\"name\":\"x\"}").status()).isEqualTo(400);
        assertThat(admin.post("/api/admin/models/import", "[]").status()).isEqualTo(400);
        assertThat(names(admin.get("/api/admin/models").json().get("models"), "name")).noneMatch(n -> n.contains("stolen"));
    }

    @Test
    void anInvalidModelDirectoryIsA400ThatDoesNotNameItsPath() throws Exception {
        Files.createDirectories(importRoot.resolve("empty"));
        TestHttp.Response r = admin.post("/api/admin/models/import", importBody("empty", "e"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).doesNotContain(importRoot.toString());
    }

    @Test
    void withoutAnImportRootImportsAreOff() throws Exception {
        server.close();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0),
                services.keys(), services.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))),
                new StoreCatalog(store), (dir, format) -> new FakeRuntime("tiny", 0)).start();
        TestHttp root = client("root", java.util.Set.of(dev.bastion.security.Scope.ADMIN));
        TestHttp.Response r = root.post("/api/admin/models/import", importBody("m", "x"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).contains("BASTION_IMPORT_ROOT");
    }
}
