package dev.bastion.registry.signing;

import dev.bastion.security.SecretBox;
import dev.bastion.security.db.Database;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * This server's Ed25519 signing keys (table {@code signing_keys}, migration V40). The private key is sealed with the
 * server secret, bound to the key's name so a sealed key cannot be moved to another row; it is opened only to sign.
 */
public final class SigningKeys {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final Database database;
    private final SecretBox secrets;

    public SigningKeys(Database database, SecretBox secrets) {
        this.database = database;
        this.secrets = secrets;
    }

    public record Info(String name, String keyId, PublicKey publicKey, String createdBy, Instant createdAt) {}

    /** A key that can sign: its name, public key and private key. */
    public record Signer(String name, PublicKey publicKey, PrivateKey privateKey) {}

    /** @throws IllegalArgumentException for an invalid or taken name */
    public Info create(String name, String createdBy, Instant now) {
        requireName(name);
        if (find(name).isPresent()) throw new IllegalArgumentException("a signing key named '" + name + "' already exists");
        KeyPair pair = Ed25519Keys.generate();
        String sealed = Base64.getEncoder().encodeToString(secrets.encrypt(pair.getPrivate().getEncoded(), associatedData(name)));
        String sql = "INSERT INTO signing_keys (name, key_id, public_key, private_sealed, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            s.setString(2, Ed25519Keys.keyId(pair.getPublic()));
            s.setString(3, Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
            s.setString(4, sealed);
            s.setString(5, createdBy);
            s.setLong(6, now.toEpochMilli());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the signing key '" + name + "'", e);
        }
        return new Info(name, Ed25519Keys.keyId(pair.getPublic()), pair.getPublic(), createdBy, now);
    }

    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT name, public_key, created_by, created_at FROM signing_keys ORDER BY name");
             ResultSet r = s.executeQuery()) {
            while (r.next()) out.add(info(r));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the signing keys", e);
        }
        return out;
    }

    public Optional<Info> find(String name) {
        return list().stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** Opens the private key of {@code name} to sign with. */
    public Signer signer(String name) {
        String sql = "SELECT public_key, private_sealed FROM signing_keys WHERE name = ?";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) throw new IllegalArgumentException("no signing key named '" + name + "'");
                PublicKey publicKey = Ed25519Keys.publicKey(Base64.getDecoder().decode(r.getString(1)));
                byte[] pkcs8;
                try {
                    pkcs8 = secrets.decrypt(Base64.getDecoder().decode(r.getString(2)), associatedData(name));
                } catch (SecretBox.TamperedException e) {
                    throw new IllegalStateException("the signing key '" + name + "' cannot be opened (tampered, or another server secret)");
                }
                return new Signer(name, publicKey, Ed25519Keys.privateKey(pkcs8));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the signing key '" + name + "'", e);
        }
    }

    private static Info info(ResultSet r) throws SQLException {
        PublicKey key = Ed25519Keys.publicKey(Base64.getDecoder().decode(r.getString("public_key")));
        return new Info(r.getString("name"), Ed25519Keys.keyId(key), key, r.getString("created_by"),
                Instant.ofEpochMilli(r.getLong("created_at")));
    }

    static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key name is 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
    }

    private static byte[] associatedData(String name) {
        return ("signing-key:" + name).getBytes(StandardCharsets.UTF_8);
    }
}
