package dev.bastion.cli;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.FileClusterIdentity;
import dev.bastion.security.AuditLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterCommandsTest {

    @TempDir
    Path home;

    private CliRun run(String... args) {
        return CliRun.run(home, new ClusterCommand(), args);
    }

    @Test
    void initJoinAndRevokeAnIdentityANodeCanLoad() throws Exception {
        CliRun init = run("init");
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(init.out()).contains("created the cluster CA", home.resolve("cluster-ca").toString());
        assertThat(Files.readString(home.resolve("cluster-ca/ca.key"))).doesNotContain("BEGIN PRIVATE KEY");

        CliRun again = run("init");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");

        CliRun join = run("join", "node-b", "--address", "127.0.0.1,node-b.internal", "--days", "30");
        assertThat(join.exit()).as(join.err()).isZero();
        assertThat(join.err()).contains("BASTION_CLUSTER_DIR");
        Path bundle = home.resolve("cluster-bundles/node-b");
        FileClusterIdentity identity = FileClusterIdentity.load(bundle);
        assertThat(identity.nodeName()).isEqualTo("node-b");
        assertThat(join.out()).contains("serial " + identity.serial().toString(16).toUpperCase());
        assertThat(identity.certificate().getNotAfter().toInstant())
                .isBetween(java.time.Instant.now().plus(java.time.Duration.ofDays(29)), java.time.Instant.now().plus(java.time.Duration.ofDays(31)));

        Path out = home.resolve("elsewhere/node-c");
        assertThat(run("join", "node-c", "--address", "10.0.0.7", "--out", out.toString()).exit()).isZero();
        assertThat(FileClusterIdentity.load(out).nodeName()).isEqualTo("node-c");
        CliRun overwrite = run("join", "node-d", "--address", "10.0.0.8", "--out", out.toString());
        assertThat(overwrite.exit()).isEqualTo(1);
        assertThat(overwrite.err()).contains("not empty");

        CliRun revoke = run("revoke", "node-b");
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("revoked node node-b", "crl.pem");
        assertThat(ClusterCa.load(home.resolve("cluster-ca"), dev.bastion.security.SecretBox.load(java.util.Map.of(), home))
                .revocationList().getRevokedCertificate(identity.serial())).isNotNull();
        assertThat(run("revoke", "node-b").out()).contains("no certificate left");
        assertThat(run("revoke", "ghost").err()).contains("no certificate to node ghost");

        assertThat(Files.readString(home.resolve(AuditLog.FILE_NAME))).contains("cluster.init", "cluster.join", "cluster.revoke");
    }

    @Test
    void joinRefusesOddNamesAndAddressesBeforeWritingAnything() throws Exception {
        assertThat(run("init").exit()).isZero();
        for (String name : new String[] {"../evil", "a/b", "..", "node\nb", "Node-B", "node b", "/tmp/x"}) {
            CliRun join = run("join", name, "--address", "127.0.0.1");
            assertThat(join.exit()).as(name).isEqualTo(1);
            assertThat(join.err()).as(name).contains("invalid node name").doesNotContain("\nb'");
        }
        assertThat(home.resolve("evil")).doesNotExist();
        assertThat(home.resolve("cluster-bundles")).doesNotExist();
        CliRun badAddress = run("join", "node-b", "--address", "http://127.0.0.1:80");
        assertThat(badAddress.exit()).isEqualTo(1);
        assertThat(badAddress.err()).contains("invalid node address");
        assertThat(run("join", "node-b", "--address", "127.0.0.1", "--days", "0").err()).contains("--days");
        assertThat(Files.readString(home.resolve("cluster-ca/issued.tsv"))).isEmpty();
    }

    @Test
    void joinBeforeInitSaysWhatToDo() {
        CliRun join = run("join", "node-b", "--address", "127.0.0.1");
        assertThat(join.exit()).isEqualTo(1);
        assertThat(join.err()).contains("bastion cluster init");
    }
}
