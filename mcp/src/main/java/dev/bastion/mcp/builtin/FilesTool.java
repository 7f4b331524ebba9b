package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The built-in {@code files} tools: read, write, list, search and delete inside the calling user's workspace
 * ({@link dev.bastion.mcp.ToolUser#workspace()}), and nowhere else. Paths are parsed by {@link WorkspacePath} and
 * walked by {@link WorkspaceJail}; every refusal is an error result with a message that names no host path.
 */
public final class FilesTool implements ToolSource {

    public static final String NAMESPACE = "files";
    private static final String PATH = "{\"type\": \"string\", \"description\": \"relative to your workspace; '/' separates directories\"}";

    private final FilesLimits limits;

    public FilesTool(FilesLimits limits) {
        this.limits = limits;
    }

    @Override
    public String namespace() {
        return NAMESPACE;
    }

    @Override
    public List<ToolSpec> tools() {
        return List.of(
                spec("read", "Read a file of your workspace (UTF-8 text, or base64 for other bytes).",
                        "{\"type\": \"object\", \"properties\": {\"path\": " + PATH + "}, \"required\": [\"path\"]}", true, false),
                spec("write", "Write a file of your workspace atomically, creating missing directories; replaces an existing file.",
                        "{\"type\": \"object\", \"properties\": {\"path\": " + PATH + ", \"content\": {\"type\": \"string\"},"
                                + " \"encoding\": {\"type\": \"string\", \"enum\": [\"utf-8\", \"base64\"], \"default\": \"utf-8\"}},"
                                + " \"required\": [\"path\", \"content\"]}", false, true),
                spec("list", "List a directory of your workspace (default: the workspace itself).",
                        "{\"type\": \"object\", \"properties\": {\"path\": " + PATH + "}}", true, false),
                spec("search", "Find a substring or an RE2 regular expression in file names and text file contents under a directory.",
                        "{\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}, \"path\": " + PATH + ","
                                + " \"regex\": {\"type\": \"boolean\", \"default\": false},"
                                + " \"ignore_case\": {\"type\": \"boolean\", \"default\": false}}, \"required\": [\"query\"]}", true, false),
                spec("delete", "Delete a file or an empty directory of your workspace.",
                        "{\"type\": \"object\", \"properties\": {\"path\": " + PATH + "}, \"required\": [\"path\"]}", false, true));
    }

    @Override
    public ToolResult call(ToolInvocation invocation) throws ToolException {
        ToolArguments arguments = new ToolArguments(invocation.arguments());
        java.nio.file.Path workspace = invocation.user().workspace();
        try {
            return switch (invocation.tool()) {
                case "read" -> read(new WorkspaceFiles(workspace, limits), arguments);
                case "write" -> write(new WorkspaceFiles(workspace, limits), arguments);
                case "list" -> list(new WorkspaceFiles(workspace, limits), arguments);
                case "search" -> search(new WorkspaceSearch(workspace, limits), arguments, invocation.cancel());
                case "delete" -> delete(new WorkspaceFiles(workspace, limits), arguments);
                default -> ToolResult.error("no such tool: " + NAMESPACE + "__" + invocation.tool());
            };
        } catch (SandboxRefusal refusal) {
            return ToolResult.error(refusal.getMessage());
        } catch (java.nio.file.AccessDeniedException e) {
            return ToolResult.error("permission denied");
        } catch (java.nio.file.FileSystemException e) {
            // Its message carries host paths: only the kind of failure is told.
            return ToolResult.error("the file system refused the operation" + (e.getReason() == null ? "" : " (" + reason(e) + ")"));
        } catch (IOException e) {
            throw new ToolException("the files tool failed to reach your workspace", e);
        }
    }

    private ToolResult read(WorkspaceFiles files, ToolArguments arguments) throws SandboxRefusal, IOException {
        WorkspacePath path = WorkspacePath.parse(arguments.string("path", true));
        byte[] content = files.read(path);
        String text = utf8OrNull(content);
        ObjectNode structured = ToolArguments.JSON.createObjectNode()
                .put("path", path.toString()).put("size", content.length).put("encoding", text == null ? "base64" : "utf-8");
        return result(text != null ? text : Base64.getEncoder().encodeToString(content), structured);
    }

    private ToolResult write(WorkspaceFiles files, ToolArguments arguments) throws SandboxRefusal, IOException {
        WorkspacePath path = WorkspacePath.parse(arguments.string("path", true));
        String content = arguments.string("content", true);
        String encoding = arguments.string("encoding", false);
        byte[] bytes;
        if (encoding == null || encoding.equals("utf-8")) {
            bytes = content.getBytes(StandardCharsets.UTF_8);
        } else if (encoding.equals("base64")) {
            try {
                bytes = Base64.getDecoder().decode(content);
            } catch (IllegalArgumentException e) {
                throw new SandboxRefusal("the content is not valid base64");
            }
        } else {
            throw new SandboxRefusal("the encoding must be utf-8 or base64");
        }
        boolean replaced = files.write(path, bytes);
        ObjectNode structured = ToolArguments.JSON.createObjectNode()
                .put("path", path.toString()).put("size", bytes.length).put("replaced", replaced);
        return result((replaced ? "replaced " : "wrote ") + path + " (" + bytes.length + " bytes)", structured);
    }

    private ToolResult list(WorkspaceFiles files, ToolArguments arguments) throws SandboxRefusal, IOException {
        WorkspacePath path = WorkspacePath.parse(arguments.string("path", false));
        WorkspaceFiles.Listing listing = files.list(path);
        StringBuilder text = new StringBuilder();
        ArrayNode entries = ToolArguments.JSON.createArrayNode();
        for (WorkspaceFiles.Entry entry : listing.entries()) {
            entries.addObject().put("name", entry.name()).put("type", entry.type()).put("size", entry.size());
            text.append(entry.type()).append('\t').append(entry.size()).append('\t').append(entry.name()).append('\n');
        }
        if (listing.truncated()) text.append("(more entries not shown: at most ").append(limits.maxListEntries()).append(")\n");
        ObjectNode structured = ToolArguments.JSON.createObjectNode().put("path", path.toString()).put("truncated", listing.truncated());
        structured.set("entries", entries);
        return result(text.isEmpty() ? "(empty directory)" : text.toString(), structured);
    }

    private ToolResult search(WorkspaceSearch search, ToolArguments arguments, dev.bastion.engine.generate.CancellationToken cancel)
            throws SandboxRefusal, IOException {
        WorkspacePath path = WorkspacePath.parse(arguments.string("path", false));
        WorkspaceSearch.Result found = search.search(path, arguments.string("query", true), arguments.flag("regex"),
                arguments.flag("ignore_case"), cancel);
        StringBuilder text = new StringBuilder();
        ArrayNode matches = ToolArguments.JSON.createArrayNode();
        for (WorkspaceSearch.Match match : found.matches()) {
            matches.addObject().put("path", match.path()).put("line", match.line()).put("text", match.text());
            text.append(match.path());
            if (match.line() > 0) text.append(':').append(match.line()).append(": ").append(match.text());
            text.append('\n');
        }
        if (found.truncated()) text.append("(search stopped: ").append(found.stoppedBecause()).append(")\n");
        ObjectNode structured = ToolArguments.JSON.createObjectNode().put("truncated", found.truncated());
        structured.set("matches", matches);
        return result(text.isEmpty() ? "no matches" : text.toString(), structured);
    }

    private ToolResult delete(WorkspaceFiles files, ToolArguments arguments) throws SandboxRefusal, IOException {
        WorkspacePath path = WorkspacePath.parse(arguments.string("path", true));
        files.delete(path);
        return result("deleted " + path, ToolArguments.JSON.createObjectNode().put("path", path.toString()));
    }

    private static ToolResult result(String text, ObjectNode structured) {
        ObjectNode block = ToolArguments.JSON.createObjectNode().put("type", "text").put("text", text);
        return new ToolResult(List.of(block), structured, false);
    }

    private static ToolSpec spec(String name, String description, String schema, boolean readOnly, boolean destructive) {
        ObjectNode annotations = ToolArguments.JSON.createObjectNode().put("readOnlyHint", readOnly)
                .put("destructiveHint", destructive).put("openWorldHint", false);
        return new ToolSpec(name, description, ToolArguments.schema(schema), annotations);
    }

    private static String utf8OrNull(byte[] content) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The OS's reason ("Too many levels of symbolic links", "No space left on device"), which names no path. */
    private static String reason(java.nio.file.FileSystemException e) {
        String reason = e.getReason();
        return reason.contains("/") ? "error" : reason;
    }
}
