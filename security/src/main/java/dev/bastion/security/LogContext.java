package dev.bastion.security;

/** The SLF4J MDC keys a request's log lines and audit records carry; one definition for every module. */
public final class LogContext {

    /** The request id ({@code X-Request-Id}), also the audit record's request id when none is given. */
    public static final String REQUEST_ID = "requestId";
    /** The authenticated user's name. */
    public static final String USER = "user";

    private LogContext() {
    }
}
