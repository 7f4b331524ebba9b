package dev.bastion.web.conversations;

/**
 * A conversation as a Markdown document: a heading with the title (one line: titles hold no control characters),
 * then each message under its role, written as it is (replies are Markdown already). It is served as a download only.
 */
final class MarkdownExport {

    private MarkdownExport() {}

    static String of(Conversation c) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(c.title()).append("\n\n");
        if (c.model() != null) out.append("Model: `").append(c.model().replace("`", "")).append("`\n\n");
        if (c.system() != null) out.append("## system prompt\n\n").append(c.system()).append("\n\n");
        for (Message m : c.messages()) {
            out.append("## ").append(m.role()).append("\n\n").append(m.content()).append("\n\n");
        }
        return out.toString();
    }
}
