package dev.bastion.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreFilesTest {

    @TempDir
    Path root;

    @Test
    void containedRefusesPathsThatLeaveTheRoot() {
        assertThat(StoreFiles.contained(root, root.resolve("blobs/../manifests/x"))).isEqualTo(root.resolve("manifests/x"));
        assertThatThrownBy(() -> StoreFiles.contained(root, root.resolve("manifests/../../etc/passwd")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("escapes the store root");
        assertThatThrownBy(() -> StoreFiles.contained(root, Path.of("/etc/passwd"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoreFiles.contained(root, root.resolveSibling(root.getFileName() + "-evil")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeAtomicallyReplacesTheTargetAndLeavesNoTemporary() throws IOException {
        Path target = root.resolve("manifest");
        StoreFiles.writeAtomically(target, "one".getBytes());
        StoreFiles.writeAtomically(target, "two".getBytes());
        assertThat(target).hasContent("two");
        try (var files = Files.list(root)) {
            assertThat(files).containsExactly(target);
        }
    }
}
