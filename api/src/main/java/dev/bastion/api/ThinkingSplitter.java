package dev.bastion.api;

/**
 * Splits a thinking model's streamed reply into its reasoning and its content, as Ollama's thinking parser does: the
 * reply may open with {@code <think>} (after whitespace), the reasoning runs to {@code </think>}, and whitespace after
 * it is dropped. Text that could still become a tag is held back until it cannot. Not thread-safe.
 */
final class ThinkingSplitter {

    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    /** What one piece of the reply adds to the reasoning and to the content (either may be empty). */
    record Split(String thinking, String content) {
        static final Split NONE = new Split("", "");

        boolean isEmpty() {
            return thinking.isEmpty() && content.isEmpty();
        }
    }

    private enum State { LOOKING_FOR_OPEN, THINKING, AFTER_CLOSE, CONTENT }

    private State state;
    private final StringBuilder held = new StringBuilder();

    /** @param promptOpened the prompt ends with {@code <think>}: the reply starts inside the reasoning */
    ThinkingSplitter(boolean promptOpened) {
        state = promptOpened ? State.THINKING : State.LOOKING_FOR_OPEN;
    }

    /** Whether a rendered prompt already opened the reasoning (Qwen3 templates with thinking forced on do). */
    static boolean opens(String prompt) {
        return prompt.stripTrailing().endsWith(OPEN);
    }

    Split add(String piece) {
        held.append(piece);
        StringBuilder thinking = new StringBuilder();
        StringBuilder content = new StringBuilder();
        while (true) {
            switch (state) {
                case LOOKING_FOR_OPEN -> {
                    String rest = held.toString().stripLeading();
                    if (rest.startsWith(OPEN)) {
                        held.setLength(0);
                        held.append(rest.substring(OPEN.length()));
                        state = State.THINKING;
                        continue;
                    }
                    if (OPEN.startsWith(rest)) return new Split(thinking.toString(), content.toString()); // may still open
                    state = State.CONTENT;
                    continue;
                }
                case THINKING -> {
                    int close = held.indexOf(CLOSE);
                    if (close >= 0) {
                        thinking.append(held, 0, close);
                        held.delete(0, close + CLOSE.length());
                        state = State.AFTER_CLOSE;
                        continue;
                    }
                    int keep = partialTagLength(held, CLOSE);
                    thinking.append(held, 0, held.length() - keep);
                    held.delete(0, held.length() - keep);
                    return new Split(thinking.toString(), content.toString());
                }
                case AFTER_CLOSE -> {
                    String rest = held.toString().stripLeading();
                    held.setLength(0);
                    held.append(rest);
                    if (rest.isEmpty()) return new Split(thinking.toString(), content.toString());
                    state = State.CONTENT;
                    continue;
                }
                case CONTENT -> {
                    content.append(held);
                    held.setLength(0);
                    return new Split(thinking.toString(), content.toString());
                }
            }
        }
    }

    /** The held-back text at the end of the reply, as what it would have been. */
    Split flush() {
        String rest = held.toString();
        held.setLength(0);
        return switch (state) {
            case THINKING -> new Split(rest, "");
            case AFTER_CLOSE -> Split.NONE;
            default -> new Split("", rest);
        };
    }

    /** How many trailing characters of {@code text} are a proper prefix of {@code tag}. */
    private static int partialTagLength(CharSequence text, String tag) {
        for (int n = Math.min(tag.length() - 1, text.length()); n > 0; n--) {
            if (tag.startsWith(text.subSequence(text.length() - n, text.length()).toString())) return n;
        }
        return 0;
    }
}
