package dev.bastion.registry.signing;

import dev.bastion.security.db.Database;

import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The publishers' public keys whose signatures this server trusts (table {@code trusted_keys}, migration V41). */
public final class TrustStore {

    private final Database database;

    public TrustStore(Database database) {
        this.database = database;
    }

    public record Entry(String name, String keyId, PublicKey key, String addedBy, Instant addedAt) {
        public ModelSignatures.TrustedKey trusted() {
            return new ModelSignatures.TrustedKey(name, key);
        }
    }

    /** @throws IllegalArgumentException for an invalid or taken name, a key that is not Ed25519, or one trusted already */
    public Entry add(String name, String pem, String addedBy, Instant now) {
        SigningKeys.requireName(name);
        PublicKey key = Ed25519Keys.fromPem(pem);
        String keyId = Ed25519Keys.keyId(key);
        for (Entry e : list()) {
            if (e.name().equals(name)) throw new IllegalArgumentException("a trusted key named '" + name + "' already exists");
            if (e.keyId().equals(keyId)) throw new IllegalArgumentException("this key is trusted already, as '" + e.name() + "'");
        }
        String sql = "INSERT INTO trusted_keys (name, key_id, public_key, added_by, added_at) VALUES (?, ?, ?, ?, ?)";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            s.setString(2, keyId);
            s.setString(3, Base64.getEncoder().encodeToString(key.getEncoded()));
            s.setString(4, addedBy);
            s.setLong(5, now.toEpochMilli());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the trusted key '" + name + "'", e);
        }
        return new Entry(name, keyId, key, addedBy, now);
    }

    /** @return whether it existed */
    public boolean remove(String name) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement("DELETE FROM trusted_keys WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the trusted key '" + name + "'", e);
        }
    }

    /** Every trusted key, by name; read on every check, so a removal takes effect at once. */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT name, public_key, added_by, added_at FROM trusted_keys ORDER BY name");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                PublicKey key = Ed25519Keys.publicKey(Base64.getDecoder().decode(r.getString("public_key")));
                out.add(new Entry(r.getString("name"), Ed25519Keys.keyId(key), key, r.getString("added_by"),
                        Instant.ofEpochMilli(r.getLong("added_at"))));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the trusted keys", e);
        }
        return out;
    }

    public List<ModelSignatures.TrustedKey> trusted() {
        return list().stream().map(Entry::trusted).toList();
    }
}
