package dev.bastion.registry;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's {@code docker-registry} (CNCF distribution v2) started on a free loopback port with a throw-away storage
 * directory: a Bastion model pushed to it as an OCI artifact comes back identical. Under CI the package must be there
 * (.ci/run installs it); elsewhere the test is skipped without it.
 */
class DockerRegistryInteropTest {

    private static final Path BINARY = Path.of("/usr/bin/docker-registry");

    @TempDir Path work;
    Process registry;
    int port;

    @BeforeEach
    void startRegistry() throws Exception {
        if ("true".equals(System.getenv("CI"))) {
            assertThat(Files.isExecutable(BINARY)).as("docker-registry is installed by .ci/run").isTrue();
        }
        assumeTrue(Files.isExecutable(BINARY), "docker-registry is not installed (apt-get install docker-registry)");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = work.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(work.resolve("storage"), port));
        registry = new ProcessBuilder(BINARY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!registry.isAlive()) throw new AssertionError("docker-registry exited: " + Files.readString(work.resolve("registry.log")));
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("docker-registry did not listen on port " + port);
    }

    @AfterEach
    void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            registry.waitFor();
        }
    }

    @Test
    void aModelPushedToDockerRegistryIsPulledBackIdentical() throws Exception {
        ModelStore a = new ModelStore(Files.createDirectories(work.resolve("a")));
        Manifest original = a.importDirectory(TinyModelFixture.tinyModel(work.resolve("m"), Architecture.LLAMA),
                ModelName.parse("team/tiny:v1"), null);
        Reference ref = Reference.parse("127.0.0.1:" + port + "/team/tiny:v1");
        List<String> steps = new ArrayList<>();
        RegistryClient client = new RegistryClient(RegistryLimits.DEFAULTS, RegistryCredentials.NONE, true);
        String pushed = client.push(ref, a, ModelName.parse("team/tiny:v1"), (status, digest, total, completed) -> steps.add(status));
        assertThat(steps).contains("pushing manifest");

        ModelStore b = new ModelStore(Files.createDirectories(work.resolve("b")));
        RegistryClient.Pulled pulled = client.pull(ref, b, ModelName.parse("team/tiny:v1"), "team", Progress.NONE,
                RegistryClient.SignatureCheck.NONE);
        assertThat(pulled.digest()).isEqualTo(pushed);
        assertThat(pulled.signature()).isEmpty();
        Manifest back = b.manifest(ModelName.parse("team/tiny:v1")).orElseThrow();
        assertThat(back.allLayers()).isEqualTo(original.allLayers());
        assertThat(back.createdAt()).isEqualTo(original.createdAt());
        b.materialize(ModelName.parse("team/tiny:v1"));
        // a second push finds every blob there already and sends only the manifest
        List<String> again = new ArrayList<>();
        client.push(ref, a, ModelName.parse("team/tiny:v1"), (status, digest, total, completed) -> again.add(status + ":" + completed));
        assertThat(again.stream().filter(s -> s.startsWith("pushing ") && !s.startsWith("pushing manifest") && s.endsWith(":0"))).isEmpty();
    }

    @Test
    void aSignedModelCarriesItsSignatureThroughDockerRegistry() throws Exception {
        ModelStore a = new ModelStore(Files.createDirectories(work.resolve("a")));
        a.importDirectory(TinyModelFixture.tinyModel(work.resolve("m"), Architecture.LLAMA), ModelName.parse("team/signed:v1"), null);
        java.security.KeyPair key = dev.bastion.registry.signing.Ed25519Keys.generate();
        ModelName name = ModelName.parse("team/signed:v1");
        String digest = dev.bastion.registry.signing.SignatureGuard.manifestDigest(a.manifest(name).orElseThrow());
        byte[] envelope = dev.bastion.registry.signing.ModelSignatures.sign(name.toString(), digest, key.getPrivate(), key.getPublic(),
                java.time.Instant.now());
        a.putSignature(digest, envelope);
        Reference ref = Reference.parse("127.0.0.1:" + port + "/team/signed:v1");
        RegistryClient client = new RegistryClient(RegistryLimits.DEFAULTS, RegistryCredentials.NONE, true);
        assertThat(client.push(ref, a, name, Progress.NONE)).isEqualTo(digest);

        ModelStore b = new ModelStore(Files.createDirectories(work.resolve("b")));
        List<dev.bastion.registry.signing.Verdict> seen = new ArrayList<>();
        var trusted = List.of(new dev.bastion.registry.signing.ModelSignatures.TrustedKey("team", key.getPublic()));
        RegistryClient.Pulled pulled = client.pull(ref, b, name, "team", Progress.NONE,
                (manifest, d, signature) -> seen.add(dev.bastion.registry.signing.ModelSignatures.verify(signature, d, trusted)));
        assertThat(seen).singleElement().satisfies(v -> assertThat(v.verified()).as(v.message()).isTrue());
        assertThat(b.signature(pulled.digest())).hasValueSatisfying(e -> assertThat(e).isEqualTo(envelope));
    }
}
