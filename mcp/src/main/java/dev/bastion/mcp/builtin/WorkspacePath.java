package dev.bastion.mcp.builtin;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A client-given path inside a workspace, as its components. Taken literally: never percent- or otherwise decoded, so
 * {@code %2e%2e} is a name; NFC-normalised (a decomposed name reaches the same file as the composed one, and NFC maps
 * no look-alike such as {@code ‥} or {@code ．} to a dot, unlike NFKC); {@code ..}, absolute paths, NUL bytes,
 * malformed Unicode and names over the Linux limits (255-byte names, 4096-byte paths) are refused.
 */
public record WorkspacePath(List<String> components) {

    public static final int MAX_NAME_BYTES = 255;
    public static final int MAX_PATH_BYTES = 4096;

    public WorkspacePath {
        components = List.copyOf(components);
    }

    /** {@code null} or empty means the workspace itself. */
    public static WorkspacePath parse(String raw) throws SandboxRefusal {
        if (raw == null || raw.isEmpty() || raw.equals(".")) return new WorkspacePath(List.of());
        if (raw.indexOf('\0') >= 0) throw new SandboxRefusal("the path contains a NUL byte");
        String path = Normalizer.normalize(raw, Normalizer.Form.NFC);
        if (path.startsWith("/")) {
            throw new SandboxRefusal("absolute paths are not allowed; give a path relative to your workspace");
        }
        if (utf8(path).length > MAX_PATH_BYTES) {
            throw new SandboxRefusal("the path is longer than " + MAX_PATH_BYTES + " bytes");
        }
        List<String> components = new ArrayList<>();
        for (String name : path.split("/", -1)) {
            if (name.isEmpty() || name.equals(".")) continue;
            if (name.equals("..")) throw new SandboxRefusal("'..' is not allowed in a path");
            if (utf8(name).length > MAX_NAME_BYTES) {
                throw new SandboxRefusal("a name in the path is longer than " + MAX_NAME_BYTES + " bytes");
            }
            components.add(name);
        }
        return new WorkspacePath(components);
    }

    public boolean isWorkspace() {
        return components.isEmpty();
    }

    public String leaf() {
        return components.getLast();
    }

    public List<String> parents() {
        return components.subList(0, components.size() - 1);
    }

    public WorkspacePath child(String name) {
        List<String> longer = new ArrayList<>(components);
        longer.add(name);
        return new WorkspacePath(longer);
    }

    /** As shown to the client: relative, {@code /}-separated, {@code .} for the workspace. */
    @Override
    public String toString() {
        return components.isEmpty() ? "." : String.join("/", components);
    }

    /** Strict UTF-8: an unpaired surrogate would otherwise become a {@code ?} in the file name. */
    private static byte[] utf8(String text) throws SandboxRefusal {
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            return array;
        } catch (CharacterCodingException e) {
            throw new SandboxRefusal("the path is not valid Unicode");
        }
    }
}
