package dev.bastion.cli;

import dev.bastion.security.SecretBox;
import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/compose.yaml and deploy/Containerfile, read as a container engine would (no engine runs here): every Bastion
 * service is confined, wired to the shared database and its secrets, and the image runs as the user the compose file
 * expects, from the jlink runtime the script builds.
 */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("..", "deploy");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        return (Map<String, Object>) yaml.load(Files.readString(DEPLOY.resolve("compose.yaml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> bastionServices(Map<String, Object> compose) {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        Map<String, Map<String, Object>> nodes = new java.util.TreeMap<>();
        services.forEach((name, service) -> {
            if (String.valueOf(service.get("image")).contains("bastion")) nodes.put(name, service);
        });
        return nodes;
    }

    @Test
    void threeNodesAndAPostgresql() throws IOException {
        Map<String, Object> compose = compose();
        assertThat(bastionServices(compose)).containsOnlyKeys("node1", "node2", "node3");
        assertThat((Map<String, Object>) compose.get("services")).containsKey("postgres");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyBastionServiceIsConfined() throws IOException {
        for (var entry : bastionServices(compose()).entrySet()) {
            Map<String, Object> s = entry.getValue();
            String node = entry.getKey();
            assertThat(s.get("read_only")).as(node + " read_only").isEqualTo(true);
            assertThat((List<String>) s.get("cap_drop")).as(node + " cap_drop").containsExactly("ALL");
            assertThat(s).as(node).doesNotContainKeys("cap_add", "privileged", "devices", "pid", "ipc");
            assertThat(s.get("network_mode")).as(node).isNull();
            assertThat((List<String>) s.get("security_opt")).as(node + " security_opt")
                    .anyMatch(o -> o.equals("no-new-privileges:true") || o.equals("no-new-privileges"));
            assertThat(String.valueOf(s.get("user"))).as(node + " user").isEqualTo("65532:65532");
            assertThat((List<String>) s.get("tmpfs")).as(node + " tmpfs").anyMatch(t -> t.startsWith("/tmp:"));
            List<String> volumes = (List<String>) s.get("volumes");
            // the only writable mount is the node's own BASTION_HOME volume; the cluster bundle is read-only
            assertThat(volumes).as(node).contains(node + "-home:/var/lib/bastion", "./secrets/" + node + ":/run/bastion/cluster:ro");
            assertThat(volumes).as(node + ": host paths must be read-only")
                    .filteredOn(v -> v.startsWith(".") || v.startsWith("/")).allMatch(v -> v.endsWith(":ro"));
            assertThat(volumes).as(node).noneMatch(v -> v.contains("docker.sock") || v.contains("podman.sock"));
            List<String> ports = (List<String>) s.getOrDefault("ports", List.of());
            assertThat(ports).as(node + ": only the API, on loopback").allMatch(p -> p.startsWith("127.0.0.1:") && p.endsWith(":11434"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyNodeIsWiredToTheClusterTheDatabaseAndItsSecrets() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Map<String, Object>> nodes = bastionServices(compose);
        for (var entry : nodes.entrySet()) {
            String node = entry.getKey();
            Map<String, Object> env = (Map<String, Object>) entry.getValue().get("environment");
            assertThat(env).as(node).containsEntry("BASTION_CLUSTER", "on")
                    .containsEntry("BASTION_NODE_NAME", node)
                    .containsEntry("BASTION_NODE_ADDRESS", node)
                    .containsEntry("BASTION_CLUSTER_MEMBERS", "node1:5701,node2:5701,node3:5701")
                    .containsEntry("BASTION_CLUSTER_PORT", "5701")
                    .containsEntry("BASTION_NODE_PORT", "11435")
                    .containsEntry("BASTION_CLUSTER_DIR", "/run/bastion/cluster")
                    .containsEntry("BASTION_HOME", "/var/lib/bastion")
                    .containsEntry(DatabaseConfig.ENV_URL, "jdbc:postgresql://postgres:5432/bastion")
                    .containsEntry(DatabaseConfig.ENV_USER, "bastion")
                    .containsEntry(DatabaseConfig.ENV_PASSWORD_FILE, "/run/secrets/db_password")
                    .containsEntry(SecretBox.ENV_KEY_FILE, "/run/secrets/secret_key");
            // secrets only as files: no password or key in the environment itself
            assertThat(env).as(node).doesNotContainKeys(DatabaseConfig.ENV_PASSWORD, SecretBox.ENV_KEY);
            assertThat(env.values()).as(node).noneMatch(v -> String.valueOf(v).matches("(?i).*(password|secret)=.*"));
            assertThat((List<String>) entry.getValue().get("secrets")).as(node).contains("db_password", "secret_key");
            Map<String, Object> dependsOn = (Map<String, Object>) entry.getValue().get("depends_on");
            assertThat((Map<String, Object>) dependsOn.get("postgres")).containsEntry("condition", "service_healthy");
        }
        Map<String, Map<String, Object>> secrets = (Map<String, Map<String, Object>>) compose.get("secrets");
        assertThat(secrets).containsOnlyKeys("db_password", "secret_key");
        assertThat(Files.readString(DEPLOY.resolve(".gitignore"))).contains("secrets/");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theDatabaseAndNodeToNodePortsStayOnAnInternalNetwork() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> postgres = ((Map<String, Map<String, Object>>) compose.get("services")).get("postgres");
        assertThat(postgres).doesNotContainKey("ports");
        assertThat((List<String>) postgres.get("networks")).containsExactly("cluster");
        assertThat(postgres.get("read_only")).isEqualTo(true);
        assertThat((List<String>) postgres.get("cap_drop")).containsExactly("ALL");
        Map<String, Map<String, Object>> networks = (Map<String, Map<String, Object>>) compose.get("networks");
        assertThat(networks.get("cluster")).containsEntry("internal", true);
        for (Map<String, Object> node : bastionServices(compose).values()) {
            assertThat((List<String>) node.getOrDefault("ports", List.of())).noneMatch(p -> p.contains("5701") || p.contains("11435"));
        }
    }

    @Test
    void theImageIsMultiStageJlinkedDistrolessAndNonRoot() throws IOException {
        String containerfile = Files.readString(DEPLOY.resolve("Containerfile"));
        List<String> stages = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(containerfile).results().map(m -> m.group(1)).toList();
        assertThat(stages).hasSize(3);
        assertThat(stages.get(0)).contains("temurin-25");
        assertThat(stages.get(1)).contains("temurin:25-jdk");
        assertThat(stages.get(2)).startsWith("gcr.io/distroless/").endsWith(":nonroot");
        String last = containerfile.substring(containerfile.lastIndexOf("\nFROM "));
        // the final stage runs the jlinked runtime, as the compose file's user, with the vector module
        assertThat(last).contains("COPY --from=runtime /opt/java /opt/java", "USER 65532:65532", "BASTION_HOME=/var/lib/bastion",
                "VOLUME [\"/var/lib/bastion\"]", "\"/opt/java/bin/java\"", "\"jdk.incubator.vector\"", "\"-Djava.io.tmpdir=/tmp\"", "\"-Djava.awt.headless=true\"");
        assertThat(last).doesNotContain("RUN ", "USER root", "USER 0");
        assertThat(containerfile).doesNotContainPattern("(?m)^HEALTHCHECK");
        assertThat(containerfile).contains("RUN /deploy/jlink-runtime.sh /opt/java");
        Matcher user = Pattern.compile("USER (\\d+):(\\d+)").matcher(last);
        assertThat(user.find()).isTrue();
        assertThat(List.of(user.group(1), user.group(2))).doesNotContain("0");
    }

    @Test
    void theRuntimeHasTheVectorModuleAndNoDebuggerOrCompiler() throws IOException {
        List<String> modules = Files.readAllLines(DEPLOY.resolve("jdk-modules")).stream()
                .map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty() && !l.startsWith("-")).toList();
        assertThat(modules).contains("java.base", "jdk.incubator.vector", "java.sql", "jdk.unsupported")
                .doesNotContain("jdk.jdi", "jdk.attach", "jdk.compiler", "jdk.jshell", "jdk.jdwp.agent", "jdk.jcmd")
                .doesNotHaveDuplicates();
    }
}
