package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.security.SecretBox;
import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registered upstreams, in the security database (table {@code mcp_upstreams}, migration V12). Secret env values
 * and headers are sealed with the server secret, bound to the upstream's name so a sealed value cannot be moved to
 * another row; they are opened only to start the upstream.
 */
public final class UpstreamRegistry {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };
    private static final TypeReference<Map<String, Map<String, String>>> SECRETS = new TypeReference<>() { };

    private final Database database;
    private final SecretBox secrets;

    public UpstreamRegistry(Database database, SecretBox secrets) {
        this.database = database;
        this.secrets = secrets;
    }

    /** @throws IllegalArgumentException if the name is taken */
    public void add(UpstreamConfig config) {
        if (find(config.name()).isPresent()) {
            throw new IllegalArgumentException("an upstream named " + config.name() + " already exists");
        }
        String sql = "INSERT INTO mcp_upstreams (name, kind, command_json, url, env_json, headers_json, secret_values,"
                + " enabled, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, config.name());
            s.setString(2, config.kind().id());
            s.setString(3, JSON.writeValueAsString(config.command()));
            s.setString(4, config.url());
            s.setString(5, JSON.writeValueAsString(config.env()));
            s.setString(6, JSON.writeValueAsString(config.headers()));
            s.setString(7, seal(config));
            s.setInt(8, config.enabled() ? 1 : 0);
            s.setString(9, config.createdBy());
            s.setLong(10, config.createdAt().toEpochMilli());
            s.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot store the upstream " + config.name() + ": " + e.getMessage(), e);
        }
    }

    /** @return whether it existed */
    public boolean remove(String name) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("DELETE FROM mcp_upstreams WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the upstream " + name + ": " + e.getMessage(), e);
        }
    }

    public Optional<UpstreamConfig> find(String name) {
        return query("WHERE name = ?", name).stream().findFirst();
    }

    /** All upstreams, by name. */
    public List<UpstreamConfig> list() {
        return query("", null);
    }

    private List<UpstreamConfig> query(String where, String name) {
        String sql = "SELECT name, kind, command_json, url, env_json, headers_json, secret_values, enabled, created_by,"
                + " created_at FROM mcp_upstreams " + where + " ORDER BY name";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (name != null) s.setString(1, name);
            List<UpstreamConfig> found = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) found.add(read(r));
            }
            return found;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the upstreams: " + e.getMessage(), e);
        }
    }

    private UpstreamConfig read(ResultSet r) throws SQLException {
        String name = r.getString("name");
        try {
            Map<String, Map<String, String>> sealed = unseal(name, r.getString("secret_values"));
            return new UpstreamConfig(name, UpstreamConfig.Kind.parse(r.getString("kind")),
                    JSON.readValue(r.getString("command_json"), STRING_LIST),
                    JSON.readValue(r.getString("env_json"), STRING_MAP), sealed.getOrDefault("env", Map.of()),
                    r.getString("url"), JSON.readValue(r.getString("headers_json"), STRING_MAP),
                    sealed.getOrDefault("headers", Map.of()), r.getInt("enabled") != 0, r.getString("created_by"),
                    Instant.ofEpochMilli(r.getLong("created_at")));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored upstream " + name + " is unreadable", e);
        }
    }

    private String seal(UpstreamConfig config) throws JsonProcessingException {
        if (config.secretEnv().isEmpty() && config.secretHeaders().isEmpty()) return null;
        String clear = JSON.writeValueAsString(Map.of("env", config.secretEnv(), "headers", config.secretHeaders()));
        return secrets.encryptToString(clear, associatedData(config.name()));
    }

    private Map<String, Map<String, String>> unseal(String name, String sealed) throws JsonProcessingException {
        if (sealed == null) return Map.of();
        try {
            return JSON.readValue(secrets.decryptString(sealed, associatedData(name)), SECRETS);
        } catch (SecretBox.TamperedException e) {
            throw new IllegalStateException("the secrets of upstream " + name + " cannot be opened (tampered, or another"
                    + " server secret); remove and add it again");
        }
    }

    private static String associatedData(String name) {
        return "mcp-upstream:" + name;
    }
}
