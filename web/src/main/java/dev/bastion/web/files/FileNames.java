package dev.bastion.web.files;

import dev.bastion.api.ApiException;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An uploaded file's name, checked before it names anything on disk: NFC-normalised (the composed and decomposed
 * spellings are one name), then refused, never silently rewritten, if it could leave or disguise itself in the
 * workspace: separators and traversal, control and bidirectional-override characters, a leading dot (hidden files,
 * {@code ..}), Windows' reserved names and characters, a trailing dot or space, more than {@link #MAX_CHARS}
 * characters or 255 UTF-8 bytes. Names are taken literally: {@code %2e%2e} is never decoded.
 */
final class FileNames {

    static final int MAX_CHARS = 200;
    private static final int MAX_BYTES = 255;
    private static final Pattern WINDOWS_RESERVED = Pattern.compile("(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\\..*)?");
    private static final Set<Integer> WINDOWS_CHARACTERS = Set.of((int) '<', (int) '>', (int) ':', (int) '"', (int) '|',
            (int) '?', (int) '*');

    private FileNames() {}

    static String check(String raw) {
        if (raw == null || raw.isEmpty()) throw refused("the file has no name");
        if (raw.indexOf('\0') >= 0) throw refused("the file name contains a NUL character");
        String name = Normalizer.normalize(raw, Normalizer.Form.NFC);
        if (name.length() > MAX_CHARS || name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw refused("the file name is longer than " + MAX_CHARS + " characters");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) throw refused("the file name contains a path separator");
        if (name.codePoints().anyMatch(FileNames::control)) {
            throw refused("the file name contains control or bidirectional formatting characters");
        }
        if (name.codePoints().anyMatch(WINDOWS_CHARACTERS::contains)) {
            throw refused("the file name contains one of < > : \" | ? *");
        }
        if (name.startsWith(".")) throw refused("the file name starts with a dot");
        if (name.endsWith(".") || name.endsWith(" ") || name.isBlank()) throw refused("the file name ends with a dot or a space");
        if (WINDOWS_RESERVED.matcher(name.toLowerCase(Locale.ROOT)).matches()) throw refused("the file name is reserved on Windows");
        return name;
    }

    /** Control characters, and the invisible formatting ones that reorder or hide text (RTL override, zero-width). */
    private static boolean control(int c) {
        return Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                || c == 0x2028 || c == 0x2029;
    }

    /** The {@code n}th alternative for a taken name: {@code notes (2).txt}. */
    static String numbered(String name, int n) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        String suffix = " (" + n + ")";
        int room = MAX_CHARS - suffix.length() - extension.length();
        if (stem.length() > room) stem = stem.substring(0, Math.max(1, room));
        return stem + suffix + extension;
    }

    private static ApiException refused(String message) {
        return ApiException.badRequest(message, "file");
    }
}
