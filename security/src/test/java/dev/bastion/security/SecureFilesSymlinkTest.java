package dev.bastion.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A symlink planted in BASTION_HOME must not redirect the chmod, reads or writes of its secret files to its target. */
class SecureFilesSymlinkTest {

    @TempDir
    Path home;
    @TempDir
    Path elsewhere;
    Path target;

    @BeforeEach
    void plantTarget() throws Exception {
        target = Files.writeString(elsewhere.resolve("victim.txt"), "someone else's file\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void restrictToOwnerRefusesASymlinkAndLeavesItsTargetAlone() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("audit.log"), target);
        assertThatThrownBy(() -> SecureFiles.restrictToOwner(link)).hasMessageContaining(link.toString())
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> SecureFiles.createOrRestrictOwnerOnly(link)).hasMessageContaining(link.toString());
        assertUntouched();
    }

    @Test
    void auditLogRefusesASymlinkedFile() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("audit.log"), target);
        assertThatThrownBy(() -> AuditLog.open(link, new byte[32], Clock.systemUTC()))
                .hasMessageContaining(link.toString()).hasMessageContaining("symbolic link");
        assertUntouched();
    }

    @Test
    void auditLogRefusesASymlinkPlantedAfterItOpened() throws Exception {
        Path file = home.resolve("audit.log");
        AuditLog log = AuditLog.open(file, new byte[32], Clock.systemUTC());
        Files.createSymbolicLink(file, target);
        assertThatThrownBy(log::ensureWritable).hasMessageContaining("audit.log");
        assertUntouched();
    }

    @Test
    void secretBoxRefusesASymlinkedKeyFile() throws Exception {
        Files.writeString(target, "A".repeat(43) + "=\n", StandardCharsets.US_ASCII);
        Path link = Files.createSymbolicLink(home.resolve("secret.key"), target);
        assertThatThrownBy(() -> SecretBox.load(Map.of(), home, true)).hasMessageContaining(link.toString())
                .hasMessageContaining("symbolic link");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
    }

    @Test
    void theSecurityDatabaseRefusesASymlinkedFile() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("bastion.db"), target);
        assertThatThrownBy(() -> SecurityServices.open(home, Map.of("BASTION_SECRET_KEY",
                java.util.Base64.getEncoder().encodeToString(new byte[32]))))
                .hasMessageContaining(link.toString()).hasMessageContaining("symbolic link");
        assertUntouched();
    }

    private void assertUntouched() throws Exception {
        assertThat(Files.readString(target)).isEqualTo("someone else's file\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
    }
}
