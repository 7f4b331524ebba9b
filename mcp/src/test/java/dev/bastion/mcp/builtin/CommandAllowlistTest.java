package dev.bastion.mcp.builtin;

import dev.bastion.security.db.Database;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandAllowlistTest {

    @TempDir
    Path home;
    CommandAllowlist allowlist;

    @BeforeEach
    void setUp() {
        allowlist = new CommandAllowlist(Database.openHome(home));
    }

    @Test
    void aLinkIsResolvedOnceWhenAllowedAndItsLaterTargetIsNotAllowed() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("tool"), Path.of("/usr/bin/printf"));
        CommandAllowlist.AllowedCommand stored = allowlist.allow(link.toString(), "cli:root");
        assertThat(stored.path()).isEqualTo(Path.of("/usr/bin/printf").toRealPath().toString());
        assertThat(stored.requestedPath()).isEqualTo(link.toString());
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("/usr/bin/id"));
        assertThat(allowlist.find(Path.of("/usr/bin/id").toRealPath())).isEmpty();
        assertThat(allowlist.list()).extracting(CommandAllowlist.AllowedCommand::path).containsExactly(stored.path());
    }

    @Test
    void disallowTakesTheCanonicalOrTheRequestedPath() throws Exception {
        allowlist.allow("/usr/bin/printf", "a");
        allowlist.allow("/usr/bin/env", "a");
        assertThat(allowlist.allow("/usr/bin/env", "b").addedBy()).isEqualTo("a"); // allowing twice keeps one entry
        assertThat(allowlist.disallow("/usr/bin/printf")).isTrue();
        assertThat(allowlist.disallow("/usr/bin/printf")).isFalse();
        assertThat(allowlist.list()).hasSize(1);
    }

    @Test
    void denyPatternsAreStoredReplacedAndMustBeRe2() {
        allowlist.allow("/usr/bin/printf", java.util.List.of("--?upload-pack.*", "-c"), "a");
        CommandAllowlist.AllowedCommand stored = allowlist.list().getFirst();
        assertThat(stored.denyArguments()).containsExactly("--?upload-pack.*", "-c");
        assertThat(stored.deniedArgument(java.util.List.of("status", "--upload-pack=evil"))).isEqualTo(2);
        assertThat(stored.deniedArgument(java.util.List.of("x-c", "-cx"))).isZero(); // whole-argument matches only
        allowlist.allow("/usr/bin/printf", java.util.List.of(), "b");
        assertThat(allowlist.list().getFirst().denyArguments()).isEmpty();
        assertThatThrownBy(() -> allowlist.allow("/usr/bin/printf", java.util.List.of("(a"), "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RE2");
    }

    @Test
    void onlyAbsolutePathsOfExecutableFilesAreAllowed() throws Exception {
        Path plain = Files.writeString(home.resolve("notes.txt"), "x");
        for (String bad : new String[] {"printf", "usr/bin/printf", "/no/such/program", "/usr/bin", plain.toString(), "/usr/bin/printf\u0000"}) {
            assertThatThrownBy(() -> allowlist.allow(bad, "a")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(allowlist.list()).isEmpty();
    }
}
