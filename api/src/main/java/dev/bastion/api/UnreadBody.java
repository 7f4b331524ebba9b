package dev.bastion.api;

import io.javalin.http.Context;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;

/**
 * Reads and discards the part of a request body nobody read (a body refused before reading: over the size limit,
 * unauthenticated, forbidden), up to {@link #LIMIT}, before the answer goes out. Jetty closes a connection whose
 * request it has not seen the end of, and a client still writing its body then sees a reset instead of the refusal.
 * A body declared larger than the limit is not waited for: that connection closes as before.
 */
final class UnreadBody {

    /** Above the default JSON limit ({@link ServerConfig#DEFAULT_MAX_BODY_BYTES}), so a body just over it is read. */
    static final long LIMIT = 16L << 20;

    private UnreadBody() {}

    static void drain(Context ctx) {
        var req = ctx.req();
        long declared = req.getContentLengthLong();
        boolean chunked = req.getHeader("Transfer-Encoding") != null;
        // A client that asked for 100-continue has not sent its body: reading would invite it.
        if (declared > LIMIT || (declared <= 0 && !chunked) || req.getHeader("Expect") != null) return;
        try {
            ServletInputStream in = req.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long read = 0;
            while (read <= LIMIT && !in.isFinished()) {
                int n = in.read(buffer);
                if (n < 0) break;
                read += n;
            }
        } catch (IOException | IllegalStateException e) {
            // The client went away, or a route read the body as characters: nothing is left to protect.
        }
    }
}
