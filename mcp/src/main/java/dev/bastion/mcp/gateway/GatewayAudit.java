package dev.bastion.mcp.gateway;

import dev.bastion.mcp.ToolUser;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/** One audit record per tool call or refusal: action {@code tool.call}, target the tool's name as given. */
final class GatewayAudit {

    static final String ACTION = "tool.call";
    private static final int MAX_TARGET_CHARS = 160;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayAudit.class);

    private final AuditLog audit;

    GatewayAudit(AuditLog audit) {
        this.audit = audit;
    }

    /** Fails (AuditUnavailableException) when the log cannot be written, so no call runs unrecorded. */
    void requireWritable() {
        audit.ensureWritable();
    }

    void record(ToolUser user, CallContext call, String tool, String outcome, String argumentsSha256, long durationMillis,
                String reason) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("transport", call.transport());
        if (argumentsSha256 != null) details.put("arguments_sha256", argumentsSha256);
        details.put("duration_ms", Long.toString(durationMillis));
        if (reason != null) details.put("reason", reason);
        try {
            audit.append(new AuditEvent(call.requestId(), user.name(), ACTION, printable(tool), outcome, details));
        } catch (AuditLog.AuditUnavailableException e) {
            LOG.error("cannot audit a {} tool call: {}", outcome, e.getMessage());
            throw e;
        }
    }

    /** A client-given name as it may appear in a record or a message: bounded, control and non-ASCII characters escaped. */
    static String printable(String name) {
        if (name == null) return "(none)";
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < MAX_TARGET_CHARS; i++) {
            char c = name.charAt(i);
            if (c >= 0x20 && c < 0x7f) out.append(c);
            else out.append(String.format("\\u%04x", (int) c));
        }
        if (out.length() >= MAX_TARGET_CHARS) out.append("...");
        return out.toString();
    }
}
