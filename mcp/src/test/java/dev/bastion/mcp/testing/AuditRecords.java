package dev.bastion.mcp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads an audit log back, record by record. */
public final class AuditRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditRecords() {
    }

    public static List<JsonNode> read(Path home) {
        try {
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(home.resolve("audit.log"))) {
                if (!line.isBlank()) records.add(JSON.readTree(line));
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code tool.call} records. */
    public static List<JsonNode> toolCalls(Path home) {
        return read(home).stream().filter(r -> r.path("action").asText().equals("tool.call")).toList();
    }
}
