package dev.bastion.engine.gguf;

import java.io.IOException;
import java.nio.file.Path;

/** A GGUF file that is malformed, exceeds a cap, or holds something Bastion does not read; the message names the file. */
public class GgufException extends IOException {

    private static final int MAX_QUOTED_CHARS = 120;

    public GgufException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    /** Quotes a name read from an untrusted file: control characters escaped (no forged log lines), length capped. */
    static String quote(String untrusted) {
        StringBuilder out = new StringBuilder("\"");
        int limit = Math.min(untrusted.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = untrusted.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (untrusted.length() > limit) out.append("...");
        return out.append('"').toString();
    }
}
