package dev.bastion.cli;

import dev.bastion.registry.Progress;

import java.io.PrintWriter;

/**
 * Progress of a pull or push: on a terminal one line per blob redrawn in place with a bar; otherwise (a pipe, a log)
 * one plain line per step, so logs stay readable.
 */
final class TransferProgress implements Progress {

    private static final int BAR = 30;

    private final PrintWriter out;
    private final boolean terminal;
    private String lastStatus;
    private long lastDrawn = -1;

    TransferProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void update(String status, String digest, long total, long completed) {
        boolean newStep = !status.equals(lastStatus);
        if (newStep && terminal && lastStatus != null && lastDrawn >= 0) out.println();
        if (digest == null || total <= 0) {
            if (newStep) out.println(status);
            lastDrawn = -1;
        } else if (terminal) {
            int filled = (int) (BAR * completed / total);
            long now = completed * 100 / total;
            if (newStep || now != lastDrawn) {
                out.print("\r" + status + " [" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + now + "% "
                        + Formats.size(completed) + "/" + Formats.size(total));
                lastDrawn = now;
            }
        } else if (newStep || completed == total) {
            if (newStep || lastDrawn != total) out.println(status + " " + Formats.size(completed) + "/" + Formats.size(total));
            lastDrawn = completed == total ? total : -1;
        }
        lastStatus = status;
        out.flush();
    }
}
