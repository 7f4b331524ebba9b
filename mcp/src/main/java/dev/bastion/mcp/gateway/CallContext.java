package dev.bastion.mcp.gateway;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;

/**
 * Where a call comes from: the request id it is audited under, the transport ({@code http}, {@code stdio},
 * {@code chat}), where its progress goes and the token the client cancels it with.
 */
public record CallContext(String requestId, String transport, ProgressSink progress, CancellationToken cancel) {

    public CallContext {
        if (progress == null) progress = ProgressSink.NONE;
        if (cancel == null) cancel = new CancellationToken();
    }
}
