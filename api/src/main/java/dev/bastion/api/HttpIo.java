package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.ServletOutputStream;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Request body limits and response writing shared by both APIs. */
final class HttpIo {

    private HttpIo() {}

    /** Reads the body ({@link #jsonBody(Context, long)}) and binds it to {@code type}. */
    static <T> T jsonBody(Context ctx, long limit, Class<T> type) {
        return JsonFields.read(jsonBody(ctx, limit), type);
    }

    /**
     * Reads the body, rejecting anything over {@code limit} bytes with 413 without reading it all. Goes through
     * Javalin's cached, size-limited body so filters that already read it (audit, security) do not leave it empty.
     */
    static ObjectNode jsonBody(Context ctx, long limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) throw tooLarge(limit);
        byte[] body;
        try {
            body = ctx.bodyAsBytes();
        } catch (HttpResponseException e) {
            if (e.getStatus() == 413) throw tooLarge(limit);
            throw ApiException.badRequest("request body could not be read", null);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("request body could not be read", null);
        }
        if (body.length > limit) throw tooLarge(limit);
        return JsonFields.parse(body);
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "request body exceeds the limit of " + limit + " bytes", null);
    }

    /**
     * A token for a generation that cancels itself when the client disconnects. Jetty reads nothing from a connection
     * while its request is being handled, so a client gone before the first write (during prompt rendering, or all
     * along for a non-streamed reply) would go unnoticed: the token probes the connection with a one-byte read while
     * the generation checks it (only then, so the probe never races Jetty reading the next request). A byte that does
     * arrive (a pipelined request) ends the probing, and the connection is closed after this response.
     */
    static CancellationToken cancelledOnDisconnect(Context ctx) {
        EndPoint endPoint;
        try {
            endPoint = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection().getEndPoint();
        } catch (RuntimeException e) {
            return new CancellationToken(); // not served by Jetty's servlet layer (e.g. a test double): writes still tell
        }
        ByteBuffer probe = BufferUtil.allocate(1);
        boolean[] stopped = {false};
        return CancellationToken.probing(() -> {
            if (stopped[0]) return false;
            if (!endPoint.isOpen()) return true;
            try {
                BufferUtil.clear(probe);
                int read = endPoint.fill(probe);
                if (read > 0) {
                    stopped[0] = true;
                    if (!ctx.res().isCommitted()) ctx.header("Connection", "close");
                }
                return read < 0;
            } catch (IOException e) {
                return true;
            } catch (RuntimeException e) {
                stopped[0] = true; // an endpoint that cannot be probed: failed writes still tell
                return false;
            }
        });
    }

    /** The response header naming what a non-streamed request was charged (streams carry it in their last object). */
    static final String CREDITS_CHARGED_HEADER = "X-Bastion-Credits-Charged";

    static void creditsCharged(Context ctx, Long credits) {
        if (credits != null) ctx.header(CREDITS_CHARGED_HEADER, Long.toString(credits));
    }

    static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(bytes(body));
    }

    static byte[] bytes(Object body) {
        try {
            return JsonFields.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
    }

    /**
     * Writes a streamed response piece by piece, flushing each so clients see tokens as they come. A failed write
     * means the client went away: the generation is cancelled and later writes are dropped.
     */
    static final class Stream {
        private final Context ctx;
        private final String contentType;
        private final CancellationToken cancel;
        private ServletOutputStream out;
        private boolean broken;

        /** Nothing is sent until the first piece, so a failure before it still gets a proper error status. */
        Stream(Context ctx, String contentType, CancellationToken cancel) {
            this.ctx = ctx;
            this.contentType = contentType;
            this.cancel = cancel;
        }

        void ndjson(Object value) {
            byte[] b = bytes(value);
            byte[] line = new byte[b.length + 1];
            System.arraycopy(b, 0, line, 0, b.length);
            line[b.length] = '\n';
            write(line);
        }

        void sse(Object value) {
            sseRaw(new String(bytes(value), StandardCharsets.UTF_8));
        }

        void sseRaw(String data) {
            write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        }

        /** A named server-sent event ({@code event: name}), as Anthropic's and OpenAI's Responses streams send them. */
        void sseEvent(String name, Object value) {
            write(("event: " + name + "\ndata: " + new String(bytes(value), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }

        boolean broken() {
            return broken;
        }

        /** Whether the status line went out, so a failure can only be reported inside the stream. */
        boolean started() {
            return out != null;
        }

        private void write(byte[] b) {
            if (broken) return;
            try {
                if (out == null) {
                    ctx.status(200);
                    ctx.res().setContentType(contentType);
                    ctx.res().setHeader("Cache-Control", "no-cache");
                    out = ctx.res().getOutputStream();
                }
                out.write(b);
                out.flush();
            } catch (IOException | RuntimeException e) {
                broken = true;
                cancel.cancel();
            }
        }
    }
}
