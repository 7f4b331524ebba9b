package dev.bastion.api.security;

import java.util.Map;

/** Ends a request in the security chain with a safe error body; never carries internal detail. */
public final class SecurityRejection extends RuntimeException {

    private final int status;
    private final String type;
    private final String code;
    private final Map<String, String> headers;

    public SecurityRejection(int status, String message, String type, String code, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    /** OpenAI-style error type, e.g. {@code authentication_error}. */
    public String type() {
        return type;
    }

    /** Machine-readable code, e.g. {@code invalid_api_key}. */
    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
