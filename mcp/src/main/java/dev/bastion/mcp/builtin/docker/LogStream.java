package dev.bastion.mcp.builtin.docker;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A container's log as the Engine sends it: raw for a TTY container, else multiplexed in frames (8-byte header:
 * stream, three zero bytes, big-endian payload length). stdout and stderr are merged in order; only the end is kept,
 * and reading stops after {@code readLimit} bytes so a log that never ends cannot hold the call.
 */
final class LogStream {

    record Tail(String text, long bytes, boolean truncated, boolean readLimitReached) {
    }

    private LogStream() {
    }

    static Tail read(InputStream in, boolean multiplexed, int keepBytes, long readLimit) throws IOException {
        TailBuffer tail = new TailBuffer(keepBytes);
        byte[] buffer = new byte[8192];
        long read = 0;
        boolean limited = false;
        if (!multiplexed) {
            int n;
            while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, readLimit - read))) > 0) {
                tail.write(buffer, 0, n);
                read += n;
                if (read >= readLimit) {
                    limited = true;
                    break;
                }
            }
        } else {
            byte[] header = new byte[8];
            while (!limited && readHeader(in, header)) {
                long remaining = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                        | (header[7] & 0xff);
                while (remaining > 0) {
                    if (read >= readLimit) {
                        limited = true;
                        break;
                    }
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, Math.min(remaining, readLimit - read)));
                    if (n < 0) throw new EOFException("log frame cut short");
                    tail.write(buffer, 0, n);
                    remaining -= n;
                    read += n;
                }
            }
        }
        return new Tail(tail.text(), tail.total(), tail.truncated() || limited, limited);
    }

    /** False at a clean end of stream (between frames). */
    private static boolean readHeader(InputStream in, byte[] header) throws IOException {
        int got = in.readNBytes(header, 0, header.length);
        if (got == 0) return false;
        if (got < header.length) throw new EOFException("log frame header cut short");
        return true;
    }
}
