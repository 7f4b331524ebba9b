package dev.bastion.security;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The audit chain's anchor in the security database (table {@code audit_anchor}): where the log must end, and the
 * fingerprint of the key it is keyed with. Updated around every append: {@link #begin} marks the new record pending
 * before the file is written, {@link #commit} after it is fsynced. So a crash between the two never reads as
 * tampering (the file may then lack exactly the pending record), while a cut file never matches a committed anchor.
 */
public final class AuditAnchor {

    /** The anchored end of the chain: the record {@code seq} with {@code hash}; {@code prevHash} is the one before. */
    public record State(long seq, String hash, String prevHash, boolean pending, String keyFingerprint) {

        /** True if a log ending at {@code (lastSeq, lastHash)} is what this anchor allows. */
        public boolean matches(long lastSeq, String lastHash) {
            return (lastSeq == seq && hash.equals(lastHash)) || (pending && lastSeq == seq - 1 && prevHash.equals(lastHash));
        }

        /** The last record known to be complete in the file. */
        long committedSeq() {
            return pending ? seq - 1 : seq;
        }

        String committedHash() {
            return pending ? prevHash : hash;
        }
    }

    /** The chain of a node that was given no name: a single-node install. */
    public static final String LOCAL = "local";
    private static final java.util.regex.Pattern NODE = java.util.regex.Pattern.compile("[a-z0-9]([a-z0-9.-]{0,62})");

    private final Database database;
    private final String node;

    /** The anchor of the {@link #LOCAL} chain. */
    public AuditAnchor(Database database) {
        this(database, LOCAL);
    }

    /**
     * The anchor of {@code node}'s chain: nodes sharing one database each write their own log, and each log ends where
     * its own row says.
     */
    public AuditAnchor(Database database, String node) {
        this.database = database;
        this.node = requireNodeName(node);
    }

    /** A node name as a chain may carry: the cluster's node names (a certificate's CN) fit it. */
    public static String requireNodeName(String node) {
        if (node == null || !NODE.matcher(node).matches()) {
            throw new IllegalArgumentException("a node name is 1-64 of a-z, 0-9, '.' and '-', starting with a letter or digit");
        }
        return node;
    }

    /** The node whose chain this is. */
    public String node() {
        return node;
    }

    public Optional<State> read() {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT seq, hash, prev_hash, pending, key_fingerprint FROM audit_anchor WHERE node = ?")) {
            s.setString(1, node);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new State(r.getLong(1), r.getString(2), r.getString(3), r.getInt(4) != 0,
                        r.getString(5))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the audit anchor failed: " + e.getMessage(), e);
        }
    }

    /** Creates the anchor unless one exists (a concurrent creator wins); returns the anchor in effect. */
    public State initialize(long seq, String hash, String keyFingerprint) {
        update("INSERT INTO audit_anchor (node, seq, hash, prev_hash, pending, key_fingerprint, updated_at)"
                + " SELECT ?, ?, ?, ?, 0, ?, ? WHERE NOT EXISTS (SELECT 1 FROM audit_anchor WHERE node = ?)",
                node, seq, hash, hash, keyFingerprint, System.currentTimeMillis(), node);
        return read().orElseThrow();
    }

    /** Marks record {@code seq} with {@code hash}, following {@code prevHash}, as being appended. */
    void begin(long seq, String hash, String prevHash) {
        update("UPDATE audit_anchor SET seq = ?, hash = ?, prev_hash = ?, pending = 1, updated_at = ? WHERE node = ?",
                seq, hash, prevHash, System.currentTimeMillis(), node);
    }

    /** The pending record is in the file. */
    void commit() {
        update("UPDATE audit_anchor SET pending = 0, updated_at = ? WHERE node = ?", System.currentTimeMillis(), node);
    }

    /** The pending record never reached the file (a crash mid-append): the anchor goes back to the one before. */
    void rollBack(State state) {
        update("UPDATE audit_anchor SET seq = ?, hash = ?, pending = 0, updated_at = ? WHERE node = ?",
                state.seq() - 1, state.prevHash(), System.currentTimeMillis(), node);
    }

    private void update(String sql, Object... parameters) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("updating the audit anchor failed: " + e.getMessage(), e);
        }
    }
}
