package dev.bastion.mcp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkspacesTest {

    @TempDir
    Path home;

    @Test
    void rootAndWorkspacesAreOwnerOnlyEvenIfTheRootWasWider() throws Exception {
        Files.createDirectories(home.resolve("workspaces"));
        Files.setPosixFilePermissions(home.resolve("workspaces"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path alice = new Workspaces(home).of("alice");
        assertThat(alice).isEqualTo(home.resolve("workspaces/alice"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("workspaces")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(alice))).isEqualTo("rwx------");
    }

    @Test
    void aSymlinkedWorkspaceOrRootIsRefused() throws Exception {
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Files.createDirectories(home.resolve("workspaces"));
        Files.createSymbolicLink(home.resolve("workspaces/mallory"), elsewhere);
        assertThatThrownBy(() -> new Workspaces(home).of("mallory")).isInstanceOf(UncheckedIOException.class);

        Path otherHome = Files.createDirectories(home.resolve("other"));
        Files.createSymbolicLink(otherHome.resolve("workspaces"), elsewhere);
        assertThatThrownBy(() -> new Workspaces(otherHome).of("alice")).isInstanceOf(UncheckedIOException.class);
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void ownerNamesThatAreNotOneDirectoryNameAreRefused() {
        for (String name : new String[] {"", "..", ".hidden", "a/b", "a\\b", "a\u0000b"}) {
            assertThatThrownBy(() -> new Workspaces(home).of(name)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
