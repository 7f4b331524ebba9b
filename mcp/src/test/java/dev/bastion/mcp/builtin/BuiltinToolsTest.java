package dev.bastion.mcp.builtin;

import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.bastion.mcp.builtin.BuiltinToolHarness.args;
import static org.assertj.core.api.Assertions.assertThat;

class BuiltinToolsTest {

    @TempDir
    Path home;

    @Test
    void aHomeGetsFilesAndAShellThatRunsNothingUntilAllowed() throws Exception {
        List<ToolSource> sources = BuiltinTools.filesAndShell(home, Map.of("BASTION_FILES_MAX_WRITE", "4"));
        ToolSources registry = new ToolSources();
        sources.forEach(registry::register);
        Path workspace = Files.createDirectories(home.resolve("workspaces/alice"));

        ToolSource files = registry.find("files").orElseThrow();
        assertThat(files.tools()).extracting(spec -> spec.name()).containsExactly("read", "write", "list", "search", "delete");
        assertThat(BuiltinToolHarness.call(files, workspace, "write", args("path", "x", "content", "12345"), new dev.bastion.engine.generate.CancellationToken())
                .joinedText()).contains("write limit of 4 bytes");

        ToolSource shell = registry.find("shell").orElseThrow();
        assertThat(shell.tools()).extracting(spec -> spec.name()).containsExactly("run");
        ToolResult refused = BuiltinToolHarness.call(shell, workspace, "run", args("command", "/usr/bin/true"),
                new dev.bastion.engine.generate.CancellationToken());
        assertThat(refused.isError()).isTrue();
        assertThat(refused.joinedText()).isEqualTo("the command is not on the allowlist");
        registry.close();
    }
}
