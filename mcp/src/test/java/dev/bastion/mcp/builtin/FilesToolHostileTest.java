package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ToolResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.bastion.mcp.builtin.BuiltinToolHarness.args;
import static org.assertj.core.api.Assertions.assertThat;

/** The files tool against paths meant to leave the workspace, and content meant to exhaust it. */
class FilesToolHostileTest {

    private static final String SECRET = "outside secret";

    @TempDir
    Path home;
    Path workspace;
    Path outside;
    FilesTool files;

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(home.resolve("workspaces/alice"));
        outside = Files.createDirectories(home.resolve("outside"));
        Files.writeString(outside.resolve("secret"), SECRET);
        files = new FilesTool(new FilesLimits(1000, 700, 1500, 5, 3, 100, 10_000, Duration.ofSeconds(2)));
    }

    private ToolResult call(String tool, JsonNode arguments) throws Exception {
        return BuiltinToolHarness.call(files, workspace, tool, arguments, new CancellationToken());
    }

    /** A refusal: an error result that names no host path and shows nothing from outside. */
    private ToolResult refused(String tool, JsonNode arguments) throws Exception {
        ToolResult result = call(tool, arguments);
        assertThat(result.isError()).as(tool + " " + arguments + " -> " + result.joinedText()).isTrue();
        assertThat(result.joinedText()).doesNotContain(home.toString()).doesNotContain(SECRET);
        return result;
    }

    private ToolResult ok(String tool, JsonNode arguments) throws Exception {
        ToolResult result = call(tool, arguments);
        assertThat(result.isError()).as(tool + " " + arguments + " -> " + result.joinedText()).isFalse();
        return result;
    }

    private void outsideUntouched() throws Exception {
        try (Stream<Path> entries = Files.list(outside)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo(SECRET);
        try (Stream<Path> entries = Files.list(home)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("workspaces", "outside");
        }
    }

    @Test
    void readsWritesListsAndDeletesInsideTheWorkspace() throws Exception {
        assertThat(ok("write", args("path", "notes/today.txt", "content", "hello")).joinedText()).contains("wrote notes/today.txt");
        assertThat(ok("read", args("path", "notes/today.txt")).joinedText()).isEqualTo("hello");
        assertThat(ok("list", args("path", "notes")).structuredContent().get("entries").get(0).get("name").asText()).isEqualTo("today.txt");
        assertThat(ok("search", args("query", "ell")).joinedText()).contains("notes/today.txt:1: hello");
        ok("delete", args("path", "notes/today.txt"));
        ok("delete", args("path", "notes"));
        assertThat(ok("list", args()).joinedText()).isEqualTo("(empty directory)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside/secret", "../../outside/secret", "notes/../../outside/secret", "..", "./../outside/secret",
            "a/b/../../../outside/secret", "/etc/passwd", "//etc/passwd"})
    void traversalAndAbsolutePathsAreRefused(String path) throws Exception {
        refused("read", args("path", path));
        refused("write", args("path", path, "content", "x"));
        refused("delete", args("path", path));
        refused("list", args("path", path));
        refused("search", args("path", path, "query", "secret"));
        outsideUntouched();
    }

    @Test
    void aSymlinkInsidePointingOutIsNeverFollowed() throws Exception {
        Files.createSymbolicLink(workspace.resolve("out"), outside);
        Files.createSymbolicLink(workspace.resolve("secret-link"), outside.resolve("secret"));
        Files.createDirectories(workspace.resolve("deep/er"));
        Files.createSymbolicLink(workspace.resolve("deep/er/up"), Path.of("../../out"));
        assertThat(refused("read", args("path", "out/secret")).joinedText()).contains("symbolic link");
        refused("read", args("path", "secret-link"));
        refused("read", args("path", "deep/er/up/secret"));
        refused("write", args("path", "out/planted", "content", "x"));
        refused("write", args("path", "secret-link", "content", "overwritten"));
        refused("list", args("path", "out"));
        refused("delete", args("path", "out/secret"));
        assertThat(ok("search", args("query", "secret")).joinedText()).doesNotContain(SECRET).doesNotContain("out/secret");
        outsideUntouched();
    }

    @Test
    void aHardLinkToAnOutsideFileIsNeitherReadNorWritten() throws Exception {
        Files.createLink(workspace.resolve("linked"), outside.resolve("secret"));
        assertThat(refused("read", args("path", "linked")).joinedText()).contains("hard links");
        refused("write", args("path", "linked", "content", "overwritten"));
        assertThat(ok("search", args("query", "outside")).joinedText()).isEqualTo("no matches");
        ok("delete", args("path", "linked")); // removes the workspace's name only
        outsideUntouched();
    }

    @Test
    void percentEncodingIsTakenLiterally() throws Exception {
        ok("write", args("path", "%2e%2e/%2e%2e/outside/secret", "content", "literal"));
        ok("write", args("path", "..%2foutside%2fplanted", "content", "literal"));
        refused("read", args("path", "%2e%2e%2foutside%2fsecret"));
        assertThat(Files.readString(workspace.resolve("%2e%2e/%2e%2e/outside/secret"))).isEqualTo("literal");
        assertThat(Files.readString(workspace.resolve("..%2foutside%2fplanted"))).isEqualTo("literal");
        outsideUntouched();
    }

    @Test
    void decomposedUnicodeReachesTheSameFileAsComposed() throws Exception {
        ok("write", args("path", "caf\u00e9.txt", "content", "composed"));
        assertThat(ok("read", args("path", "cafe\u0301.txt")).joinedText()).isEqualTo("composed");
        try (Stream<Path> entries = Files.list(workspace)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("caf\u00e9.txt");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u2025/outside/secret", "\uff0e\uff0e/outside/secret", "..\u2215outside\u2215secret",
            "..\uff0foutside\uff0fsecret", ".\u0307./outside/secret", "..\u0338/outside/secret", "\u002e\u200b\u002e/outside/secret",
            "..\\outside\\secret", "\ufe52\ufe52/outside/secret"})
    void lookAlikeDotsAndSlashesAreOrdinaryNamesInside(String path) throws Exception {
        ok("write", args("path", path, "content", "inside"));
        assertThat(ok("read", args("path", path)).joinedText()).isEqualTo("inside");
        try (Stream<Path> all = Files.walk(workspace)) {
            assertThat(all.filter(Files::isRegularFile).toList()).singleElement()
                    .satisfies(file -> assertThat(file.startsWith(workspace)).isTrue());
        }
        outsideUntouched();
    }

    @Test
    void nulBytesAndMalformedUnicodeAreRefused() throws Exception {
        assertThat(refused("write", args("path", "a\u0000b", "content", "x")).joinedText()).contains("NUL");
        refused("read", args("path", "notes\u0000/../../outside/secret"));
        refused("write", args("path", "broken\ud800", "content", "x"));
        try (Stream<Path> entries = Files.list(workspace)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void namesAndPathsOverTheOsLimitsAreRefused() throws Exception {
        ok("write", args("path", "a".repeat(255), "content", "x"));
        assertThat(refused("write", args("path", "a".repeat(256), "content", "x")).joinedText()).contains("255 bytes");
        refused("write", args("path", "\u00e9".repeat(128), "content", "x")); // 128 characters, 256 bytes
        String deep = String.join("/", java.util.Collections.nCopies(410, "abcdefghij"));
        assertThat(refused("write", args("path", deep, "content", "x")).joinedText()).contains("4096 bytes");
    }

    @Test
    void deviceFilesFifosAndSocketsAreNotOpened() throws Exception {
        Files.createSymbolicLink(workspace.resolve("zero"), Path.of("/dev/zero"));
        refused("read", args("path", "zero"));
        Process mkfifo = new ProcessBuilder("mkfifo", workspace.resolve("pipe").toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(refused("read", args("path", "pipe")).joinedText()).contains("FIFO"); // and does not block
        refused("write", args("path", "pipe", "content", "x"));
        try (var socket = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            socket.bind(java.net.UnixDomainSocketAddress.of(workspace.resolve("sock")));
            refused("read", args("path", "sock"));
        }
        if (isRoot()) {
            Process mknod = new ProcessBuilder("mknod", workspace.resolve("null").toString(), "c", "1", "3").start();
            assertThat(mknod.waitFor(10, TimeUnit.SECONDS)).isTrue();
            refused("read", args("path", "null"));
            refused("write", args("path", "null", "content", "x"));
        }
        assertThat(ok("search", args("query", "x")).joinedText()).isEqualTo("no matches");
    }

    @Test
    void writesPastTheQuotaOrTheWriteCapAreRefused() throws Exception {
        ok("write", args("path", "one", "content", "a".repeat(600)));
        ok("write", args("path", "two", "content", "b".repeat(600)));
        assertThat(refused("write", args("path", "three", "content", "c".repeat(600))).joinedText()).contains("quota");
        ok("write", args("path", "one", "content", "a".repeat(700))); // a replacement counts the difference only
        assertThat(refused("write", args("path", "huge", "content", "d".repeat(701))).joinedText()).contains("write limit");
        assertThat(Files.exists(workspace.resolve("three"))).isFalse();
        assertThat(Files.exists(workspace.resolve("huge"))).isFalse();
    }

    @Test
    void readsOverTheCapAreRefused() throws Exception {
        Files.writeString(workspace.resolve("big"), "x".repeat(1001));
        assertThat(refused("read", args("path", "big")).joinedText()).contains("read limit");
    }

    @Test
    void writesAreAtomicOwnerOnlyAndLeaveNoTemporaryFile() throws Exception {
        ok("write", args("path", "doc", "content", "first"));
        ok("write", args("path", "doc", "content", "second"));
        ok("write", args("path", "bin", "content", "AAEC/w==", "encoding", "base64"));
        assertThat(Files.readString(workspace.resolve("doc"))).isEqualTo("second");
        assertThat(Files.readAllBytes(workspace.resolve("bin"))).containsExactly(0, 1, 2, 255);
        assertThat(ok("read", args("path", "bin")).structuredContent().get("encoding").asText()).isEqualTo("base64");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(workspace.resolve("doc")))).isEqualTo("rw-------");
        try (Stream<Path> entries = Files.list(workspace)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("doc", "bin");
        }
        refused("write", args("path", WorkspaceFiles.TEMP_PREFIX + "x", "content", "x"));
    }

    @Test
    void catastrophicRegexFinishesAndSearchStopsAtItsCaps() throws Exception {
        Files.writeString(workspace.resolve("evil"), "a".repeat(4000) + "!\n");
        long start = System.nanoTime();
        assertThat(ok("search", args("query", "(a+)+$", "regex", true)).joinedText()).isEqualTo("no matches");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        refused("search", args("query", "(unclosed", "regex", true));
        refused("search", args("query", "x".repeat(1001)));
        for (int i = 0; i < 6; i++) Files.writeString(workspace.resolve("m" + i), "needle\n");
        ToolResult capped = ok("search", args("query", "needle"));
        assertThat(capped.structuredContent().get("matches")).hasSize(3);
        assertThat(capped.joinedText()).contains("search stopped");
    }

    @Test
    void aCancelledSearchStops() throws Exception {
        Files.writeString(workspace.resolve("a"), "needle\n");
        CancellationToken cancelled = new CancellationToken();
        cancelled.cancel();
        ToolResult result = BuiltinToolHarness.call(files, workspace, "search", args("query", "needle"), cancelled);
        assertThat(result.joinedText()).contains("search stopped: the call was cancelled");
    }

    @Test
    void limitsComeFromTheEnvironment() {
        FilesLimits limits = FilesLimits.fromEnvironment(java.util.Map.of("BASTION_FILES_MAX_READ", "10", "BASTION_FILES_QUOTA", "99"));
        assertThat(limits.maxReadBytes()).isEqualTo(10);
        assertThat(limits.quotaBytes()).isEqualTo(99);
        assertThat(limits.maxWriteBytes()).isEqualTo(FilesLimits.DEFAULTS.maxWriteBytes());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FilesLimits.fromEnvironment(java.util.Map.of("BASTION_FILES_QUOTA", "-1")))
                .hasMessageContaining("BASTION_FILES_QUOTA");
    }

    @Test
    void aDirectoryOrFileSwappedForALinkDuringCallsNeverLeaksOutsideContent() throws Exception {
        Path directory = workspace.resolve("d");
        Path file = workspace.resolve("f");
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("secret"), "inside");
        Files.writeString(file, "inside");
        Path parked = home.resolve("parked");
        Path parkedFile = home.resolve("parked-file");
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        Thread swapper = Thread.ofPlatform().start(() -> {
            try {
                while (System.nanoTime() < until) {
                    Files.move(directory, parked);
                    Files.createSymbolicLink(directory, outside);
                    Files.move(file, parkedFile);
                    Files.createSymbolicLink(file, outside.resolve("secret"));
                    Thread.onSpinWait();
                    Files.delete(directory);
                    Files.move(parked, directory);
                    Files.delete(file);
                    Files.move(parkedFile, file);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int readsInside = 0;
        while (swapper.isAlive()) {
            for (String path : List.of("d/secret", "f")) {
                ToolResult result = call("read", args("path", path));
                assertThat(result.joinedText()).doesNotContain(SECRET);
                if (!result.isError()) readsInside++;
            }
            assertThat(call("search", args("query", "secret")).joinedText()).doesNotContain(SECRET);
        }
        swapper.join();
        assertThat(readsInside).isPositive();
        outsideUntouched();
    }

    @Test
    void errorsNameNoHostPath() throws Exception {
        Files.createDirectories(workspace.resolve("locked"));
        assertThat(refused("read", args("path", "missing")).joinedText()).isEqualTo("no such file");
        assertThat(refused("read", args("path", "locked")).joinedText()).isEqualTo("the path is a directory");
        refused("read", args("path", 42));
        refused("nosuchtool", args());
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void theWorkspaceItselfMustNotBeASymlink() throws Exception {
        Path linked = home.resolve("workspaces/mallory");
        Files.createSymbolicLink(linked, outside);
        ToolResult result = BuiltinToolHarness.call(files, linked, "read", args("path", "secret"), new CancellationToken());
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).doesNotContain(SECRET);
        assertThat(Files.isSymbolicLink(linked)).isTrue();
    }
}
