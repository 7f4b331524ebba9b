package dev.bastion.store;

/**
 * How a Modelfile writes and reads a text value. Ollama's {@code """…"""} block is used whenever it can hold the text;
 * for text it cannot (one containing {@code """}, ending in {@code "}, holding a carriage return, or starting with a
 * backslash) an escaped block is written instead: {@code """\} at the end of the instruction's line, the text from
 * the next line on with {@code \\}, {@code \"} and {@code \r} escaped, then {@code """}. Ollama's own Modelfiles never
 * open a block with a lone backslash, so they read as before.
 */
final class ModelfileText {
    static final String TRIPLE = "\"\"\"";
    private static final String ESCAPED_OPENER = TRIPLE + "\\";

    /** A value read from the Modelfile and the index of the last line it took. */
    record Value(String text, int lastLine) {}

    private ModelfileText() {}

    static String block(String text) {
        boolean plainFits = !text.contains(TRIPLE) && !text.endsWith("\"") && text.indexOf('\r') < 0 && !text.startsWith("\\");
        return plainFits ? TRIPLE + text + TRIPLE : ESCAPED_OPENER + "\n" + escape(text) + TRIPLE;
    }

    /** A one-line {@code "…"} value, as Ollama writes parameters, when the text fits on a line and cannot look like a block. */
    static String quoted(String text) {
        String quoted = '"' + text + '"';
        boolean fits = text.indexOf('\n') < 0 && text.indexOf('\r') < 0 && !isBlock(quoted);
        return fits ? quoted : block(text);
    }

    static boolean isBlock(String argument) {
        return argument.startsWith(TRIPLE);
    }

    /**
     * Reads the block that {@code argument} (the rest of line {@code index}, starting with {@code """}) opens.
     *
     * @param lines the Modelfile's lines, without their line terminators
     */
    static Value readBlock(String[] lines, int index, String argument, String instruction) {
        if (argument.stripTrailing().equals(ESCAPED_OPENER)) return readEscaped(lines, index, instruction);
        StringBuilder block = new StringBuilder(argument.substring(TRIPLE.length()));
        int i = index;
        int end = block.indexOf(TRIPLE);
        while (end < 0) {
            if (++i >= lines.length) throw neverClosed(index, instruction);
            block.append('\n').append(lines[i]);
            end = block.indexOf(TRIPLE);
        }
        requireNothingAfter(block.substring(end + TRIPLE.length()), i, instruction);
        return new Value(block.substring(0, end), i);
    }

    private static Value readEscaped(String[] lines, int index, String instruction) {
        StringBuilder text = new StringBuilder();
        for (int i = index + 1; i < lines.length; i++) {
            String line = lines[i];
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch == '\\') {
                    if (++c == line.length()) throw new ModelfileException(i + 1, "a \\ ends the line in the escaped block of " + instruction);
                    text.append(switch (line.charAt(c)) {
                        case '\\' -> '\\';
                        case '"' -> '"';
                        case 'r' -> '\r';
                        default -> throw new ModelfileException(i + 1, "unknown escape \\" + ModelName.printable(String.valueOf(line.charAt(c)))
                                + " in the escaped block of " + instruction + "; only \\\\, \\\" and \\r are escapes there");
                    });
                } else if (line.startsWith(TRIPLE, c)) {
                    requireNothingAfter(line.substring(c + TRIPLE.length()), i, instruction);
                    return new Value(text.toString(), i);
                } else {
                    text.append(ch);
                }
            }
            text.append('\n');
        }
        throw neverClosed(index, instruction);
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }

    private static void requireNothingAfter(String rest, int index, String instruction) {
        if (!rest.isBlank()) throw new ModelfileException(index + 1, "unexpected text after the closing \"\"\" of " + instruction);
    }

    private static ModelfileException neverClosed(int index, String instruction) {
        return new ModelfileException(index + 1, instruction + " starts a \"\"\" block that is never closed");
    }
}
