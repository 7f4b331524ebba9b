package dev.bastion.cli;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** keys signing, trust, sign, verify and show on one home, as an operator runs them. */
class SigningCommandsTest {

    @TempDir Path home;
    @TempDir Path work;

    private CliRun run(Object command, String... args) {
        return CliRun.run(home, command, args);
    }

    @Test
    void aSignedModelVerifiesOnlyOnceItsKeyIsTrustedAndUntilABlobChanges() throws Exception {
        Path tiny = TinyModelFixture.tinyModel(work.resolve("m"), Architecture.LLAMA);
        assertThat(run(new ImportCommand(), tiny.toString(), "tiny").exit()).isZero();

        assertThat(run(new SignCommand(), "tiny").err()).contains("no signing key");
        CliRun created = run(new KeysCommand(), "signing", "create", "publisher");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).containsPattern("key id [0-9a-f]{64}");
        CliRun exported = run(new KeysCommand(), "signing", "export", "publisher");
        assertThat(exported.out()).startsWith("-----BEGIN PUBLIC KEY-----").doesNotContain("PRIVATE");
        assertThat(run(new KeysCommand(), "signing", "list").out()).contains("publisher");

        CliRun signed = run(new SignCommand(), "tiny");
        assertThat(signed.exit()).as(signed.err()).isZero();
        assertThat(signed.out()).contains("signed tiny:latest (sha256:");

        // signed but not trusted yet
        CliRun untrusted = run(new VerifyCommand(), "tiny");
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.out()).contains("every blob matches", "FAILED: signed by a key that is not trusted");

        Path pem = work.resolve("publisher.pem");
        Files.writeString(pem, exported.out());
        CliRun trusted = run(new TrustCommand(), "add", "acme", pem.toString());
        assertThat(trusted.exit()).as(trusted.err()).isZero();
        assertThat(run(new TrustCommand(), "add", "again", pem.toString()).err()).contains("trusted already, as 'acme'");
        Path junk = Files.writeString(work.resolve("junk.pem"), "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n");
        assertThat(run(new TrustCommand(), "add", "junk", junk.toString()).exit()).isEqualTo(1);
        assertThat(run(new TrustCommand(), "list").out()).contains("acme").doesNotContain("junk");

        CliRun verified = run(new VerifyCommand(), "tiny");
        assertThat(verified.exit()).as(verified.out()).isZero();
        assertThat(verified.out()).contains("signed by 'acme' and verified");
        assertThat(run(new ShowCommand(), "tiny").out()).contains("Signature", "signer", "acme", "verified            yes");

        // one byte changed in place (same size and inode): verify re-hashes whatever the verified marker says
        ModelStore store = new ModelStore(home);
        store.materialize(ModelName.parse("tiny"));
        var weights = store.manifest(ModelName.parse("tiny")).orElseThrow().layers().stream().filter(l -> l.size() > 1000).findFirst().orElseThrow();
        Path blob = home.resolve("blobs").resolve("sha256-" + weights.hex());
        blob.toFile().setWritable(true);
        try (FileChannel ch = FileChannel.open(blob, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {42}), 100);
        }
        CliRun tampered = run(new VerifyCommand(), "tiny");
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.out()).contains("blobs:     FAILED", "corrupt or tampered with");

        assertThat(run(new TrustCommand(), "rm", "acme").exit()).isZero();
        assertThat(run(new TrustCommand(), "rm", "acme").err()).contains("no trusted key named 'acme'");
        assertThat(Files.readString(home.resolve("audit.log"))).contains("signing_key.create", "model.sign", "trust.add", "trust.remove",
                "model.signature");
    }

    @Test
    void underEnforceAnImportIsRefusedAndAudited() throws Exception {
        Path tiny = TinyModelFixture.tinyModel(work.resolve("m"), Architecture.LLAMA);
        ImportCommand command = new ImportCommand();
        CliRun refused = runWith(command, Map.of("BASTION_REQUIRE_SIGNED", "enforce"), tiny.toString(), "tiny");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("refused", "enforce", "unsigned");
        assertThat(new ModelStore(home).list()).isEmpty();
        assertThat(Files.readString(home.resolve("audit.log"))).contains("model.signature", "\"import\"");

        CliRun typo = runWith(new ImportCommand(), Map.of("BASTION_REQUIRE_SIGNED", "enfroce"), tiny.toString(), "tiny");
        assertThat(typo.exit()).isEqualTo(1);
        assertThat(typo.err()).contains("off, warn or enforce");
        assertThat(new ModelStore(home).list()).isEmpty();
    }

    private CliRun runWith(StoreCommand command, Map<String, String> env, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(command);
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        command.home.environment = env;
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of(args), java.util.stream.Stream.of("--home", home.toString()))
                .toArray(String[]::new);
        return new CliRun(cli.execute(all), out.toString(), err.toString());
    }

    @Test
    void aCliPullUnderEnforceTakesOnlyWhatATrustedKeySigned() throws Exception {
        Path homeA = work.resolve("a");
        ModelStore storeA = new ModelStore(homeA);
        storeA.importDirectory(TinyModelFixture.tinyModel(work.resolve("m"), Architecture.LLAMA), ModelName.parse("alice/tiny"), "alice");
        dev.bastion.security.SecurityServices services = dev.bastion.security.SecurityServices.open(homeA, Map.of());
        services.users().create("alice", dev.bastion.security.Role.USER);
        String key = services.keys().create("alice", java.util.Set.of(dev.bastion.security.Scope.MODELS_USE), null, null).secret();
        var signingKeys = new dev.bastion.registry.signing.SigningKeys(services.database(), services.secrets());
        var info = signingKeys.create("publisher", "test", java.time.Instant.now());
        dev.bastion.registry.signing.ModelSigner.sign(storeA, ModelName.parse("alice/tiny"), signingKeys.signer("publisher"), java.time.Instant.now());
        var chain = new dev.bastion.api.security.SecurityFilterChain(dev.bastion.api.security.SecurityConfig.defaults().withBind("127.0.0.1", 0),
                services.keys(), services.audit());
        var config = chain.secure(dev.bastion.api.ServerConfig.defaults(new dev.bastion.api.BindAddress("127.0.0.1", 0)));
        var registry = new dev.bastion.registry.RegistryModule(storeA, config.modelAccess(), config.modelAudit(),
                dev.bastion.registry.RegistryLimits.DEFAULTS, Map.of());
        try (var a = new dev.bastion.api.BastionServer(config.withModule(registry), new dev.bastion.api.StoreCatalog(storeA),
                (dir, format) -> { throw new UnsupportedOperationException(); }).start()) {
            String ref = java.net.URI.create(a.baseUrl()).getAuthority() + "/alice/tiny";
            Map<String, String> env = Map.of("BASTION_REGISTRY_TOKEN", key, "BASTION_REQUIRE_SIGNED", "enforce");
            CliRun refused = runWith(new PullCommand(), env, ref, "--insecure");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("refused", "enforce", "not trusted");
            assertThat(new ModelStore(home).list()).isEmpty();

            Files.writeString(work.resolve("p.pem"), dev.bastion.registry.signing.Ed25519Keys.toPem(info.publicKey()));
            assertThat(run(new TrustCommand(), "add", "acme", work.resolve("p.pem").toString()).exit()).isZero();
            CliRun pulled = runWith(new PullCommand(), env, ref, "--insecure");
            assertThat(pulled.exit()).as(pulled.err()).isZero();
            assertThat(run(new ShowCommand(), "alice/tiny").out()).contains("acme", "verified            yes");
        }
    }
}
