package dev.bastion.cli;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.registry.RegistryLimits;
import dev.bastion.registry.RegistryModule;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real child {@code bastion pull} killed with SIGKILL mid-transfer (server A throttled so it is mid-way): the store
 * lists no model while interrupted, and a rerun resumes from the bytes it has, fetching fewer than the model's size.
 */
class PullResumeTest {

    @TempDir Path homeA;
    @TempDir Path homeB;
    @TempDir Path source;

    @Test
    void aKilledPullLeavesNoModelAndARerunResumes() throws Exception {
        ModelStore storeA = new ModelStore(homeA);
        Manifest model = storeA.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA),
                ModelName.parse("alice/tiny"), "alice");
        SecurityServices services = SecurityServices.open(homeA, Map.of());
        services.users().create("alice", Role.USER);
        String key = services.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)));
        RegistryModule registry = new RegistryModule(storeA, config.modelAccess(), config.modelAudit(), RegistryLimits.DEFAULTS, Map.of());
        long total = model.size();
        registry.throttle(Math.max(1024, total / 8)); // about eight seconds for the whole model
        try (BastionServer a = new BastionServer(config.withModule(registry), new StoreCatalog(storeA),
                (dir, format) -> { throw new UnsupportedOperationException(); }).start()) {
            String ref = URI.create(a.baseUrl()).getAuthority() + "/alice/tiny:latest";
            Path log1 = homeB.resolveSibling(homeB.getFileName() + "-pull1.log");
            Process first = pull(ref, key, log1);
            Path transfers = homeB.resolve("transfers");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partialBytes(transfers) < total / 4 && System.nanoTime() < deadline && first.isAlive()) Thread.sleep(50);
            assertThat(first.isAlive()).as("the pull is still running mid-way").isTrue();
            first.destroyForcibly(); // SIGKILL
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long had = partialBytes(transfers);
            assertThat(had).isPositive().isLessThan(total);

            CliRun list = CliRun.run(homeB, new BastionCli(), "list");
            assertThat(list.out()).doesNotContain("tiny");
            assertThat(new ModelStore(homeB).list()).isEmpty();

            registry.throttle(0);
            Path log2 = homeB.resolveSibling(homeB.getFileName() + "-pull2.log");
            Process second = pull(ref, key, log2);
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log2);
            assertThat(second.exitValue()).as(output).isZero();
            Matcher fetched = Pattern.compile("(\\d+) bytes fetched").matcher(output);
            assertThat(fetched.find()).as(output).isTrue();
            assertThat(Long.parseLong(fetched.group(1))).isLessThan(total).isLessThanOrEqualTo(total - had + 1);
            ModelStore storeB = new ModelStore(homeB);
            assertThat(storeB.manifest(ModelName.parse("alice/tiny")).orElseThrow().allLayers()).isEqualTo(model.allLayers());
            storeB.materialize(ModelName.parse("alice/tiny")); // every blob verifies
        }
    }

    private static long partialBytes(Path transfers) throws IOException {
        if (!Files.isDirectory(transfers)) return 0;
        try (var files = Files.list(transfers)) {
            long sum = 0;
            for (Path p : files.toList()) sum += Files.size(p);
            return sum;
        }
    }

    private Process pull(String ref, String key, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), BastionCli.class.getName(), "pull", "--insecure", "--home",
                homeB.toString(), ref)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BASTION_REGISTRY_TOKEN", key);
        return pb.start();
    }
}
