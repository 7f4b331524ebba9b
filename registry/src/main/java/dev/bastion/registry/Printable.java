package dev.bastion.registry;

/** Text from a remote party goes into messages and logs only like this: no control characters, bounded length. */
final class Printable {
    private Printable() {}

    static String of(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 120; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.length() < 120 ? out.toString() : out + "...";
    }
}
