package dev.bastion.engine.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/** A SafeTensors file or model directory that is malformed or inconsistent; the message names the file and tensor. */
public class SafeTensorsException extends IOException {

    public SafeTensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafeTensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }

    static SafeTensorsException forTensor(Path file, String tensor, String problem) {
        return new SafeTensorsException(file, "tensor " + quote(tensor) + ": " + problem);
    }

    private static final int MAX_QUOTED_CHARS = 120;

    /** Quotes a name read from an untrusted file: control characters escaped (no forged log lines), length capped. */
    static String quote(String untrusted) {
        if (untrusted == null) return "null";
        StringBuilder out = new StringBuilder("\"");
        int limit = Math.min(untrusted.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = untrusted.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') out.append("\\u%04x".formatted((int) c));
            else out.append(c);
        }
        out.append('"');
        if (untrusted.length() > limit) out.append("... (").append(untrusted.length()).append(" chars)");
        return out.toString();
    }
}
