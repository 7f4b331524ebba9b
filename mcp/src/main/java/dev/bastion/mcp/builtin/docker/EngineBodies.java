package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.ToolException;

import java.io.IOException;
import java.io.InputStream;

/** Reads the Engine's JSON answers within a size cap, so neither a huge listing nor a hostile engine fills the heap. */
final class EngineBodies {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EngineBodies() {
    }

    /** At most {@code maxBytes}; more is an error for this call (the rest is never read). */
    static byte[] readCapped(InputStream body, int maxBytes) throws IOException, ToolException {
        byte[] bytes = body.readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw new ToolException("the Docker engine's answer is larger than " + maxBytes + " bytes");
        }
        return bytes;
    }

    static JsonNode readJson(InputStream body, int maxBytes) throws IOException, ToolException {
        byte[] bytes = readCapped(body, maxBytes);
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new ToolException("the Docker engine's answer is not valid JSON");
        }
    }

    /** The {@code message} of an Engine error body, for the server log only (it may name host paths). */
    static String errorMessage(InputStream body) {
        try {
            return JSON.readTree(body.readNBytes(4096)).path("message").asText("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
