package dev.bastion.security;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One security event to append. {@code requestId} may be null (then the SLF4J MDC value is used, if any).
 * Outcome is e.g. {@code success}, {@code denied}, {@code failure}.
 */
public record AuditEvent(String requestId, String actor, String action, String target, String outcome,
                         Map<String, String> details) {

    public AuditEvent {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(details));
    }

    public static AuditEvent of(String actor, String action, String target, String outcome) {
        return new AuditEvent(null, actor, action, target, outcome, Map.of());
    }
}
