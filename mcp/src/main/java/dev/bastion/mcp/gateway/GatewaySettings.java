package dev.bastion.mcp.gateway;

import java.time.Duration;
import java.util.Map;

/**
 * Limits every call through the gateway obeys.
 *
 * @param callTimeout wall-clock time a call may take before it is cancelled and answered with an error
 * @param callsPerWindow calls one user may start per {@code window} (0: no limit)
 * @param maxArgumentBytes size of a call's arguments in their canonical JSON form
 * @param maxArgumentDepth nesting of a call's arguments (the object itself is level 1)
 */
public record GatewaySettings(Duration callTimeout, int callsPerWindow, Duration window, int maxArgumentBytes,
                              int maxArgumentDepth) {

    public GatewaySettings {
        if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("the tool call timeout must be positive");
        }
        if (callsPerWindow < 0) throw new IllegalArgumentException("tool calls per window must be >= 0");
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the rate limit window must be positive");
        }
        if (maxArgumentBytes < 2 || maxArgumentDepth < 1) throw new IllegalArgumentException("argument caps too small");
    }

    /** 60 s per call, 120 calls a minute per user, 1 MiB and 32 levels of arguments. */
    public static GatewaySettings defaults() {
        return new GatewaySettings(Duration.ofSeconds(60), 120, Duration.ofMinutes(1), 1 << 20, 32);
    }

    /** Defaults overridden by BASTION_MCP_CALL_TIMEOUT (seconds) and BASTION_MCP_CALLS_PER_MINUTE. */
    public static GatewaySettings fromEnvironment(Map<String, String> env) {
        GatewaySettings d = defaults();
        Duration timeout = d.callTimeout();
        int calls = d.callsPerWindow();
        try {
            if (env.get("BASTION_MCP_CALL_TIMEOUT") != null) {
                timeout = Duration.ofSeconds(Long.parseLong(env.get("BASTION_MCP_CALL_TIMEOUT").trim()));
            }
            if (env.get("BASTION_MCP_CALLS_PER_MINUTE") != null) {
                calls = Integer.parseInt(env.get("BASTION_MCP_CALLS_PER_MINUTE").trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("BASTION_MCP_CALL_TIMEOUT and BASTION_MCP_CALLS_PER_MINUTE must be whole numbers");
        }
        return new GatewaySettings(timeout, calls, d.window(), d.maxArgumentBytes(), d.maxArgumentDepth());
    }

    public GatewaySettings withCallTimeout(Duration timeout) {
        return new GatewaySettings(timeout, callsPerWindow, window, maxArgumentBytes, maxArgumentDepth);
    }

    public GatewaySettings withCallsPerWindow(int calls) {
        return new GatewaySettings(callTimeout, calls, window, maxArgumentBytes, maxArgumentDepth);
    }
}
