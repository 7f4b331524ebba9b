package dev.bastion.web.files;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The uploads' records (table {@code web_files}, V33). Every query names the owner: another user's id finds nothing. */
final class FileStore {

    private final Database database;

    FileStore(Database database) {
        this.database = database;
    }

    void add(long userId, StoredFile file) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO web_files (id, user_id, name, media_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, file.id());
            s.setLong(2, userId);
            s.setString(3, file.name());
            s.setString(4, file.mediaType());
            s.setLong(5, file.size());
            s.setLong(6, file.createdAt().toEpochMilli());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new FileStoreException(e);
        }
    }

    List<StoredFile> list(long userId) {
        return query("SELECT id, name, media_type, size, created_at FROM web_files WHERE user_id = ? ORDER BY created_at DESC, id",
                null, userId);
    }

    Optional<StoredFile> get(long userId, String id) {
        return query("SELECT id, name, media_type, size, created_at FROM web_files WHERE user_id = ? AND id = ?", id, userId)
                .stream().findFirst();
    }

    boolean delete(long userId, String id) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("DELETE FROM web_files WHERE user_id = ? AND id = ?")) {
            s.setLong(1, userId);
            s.setString(2, id);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new FileStoreException(e);
        }
    }

    private List<StoredFile> query(String sql, String id, long userId) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, userId);
            if (id != null) s.setString(2, id);
            List<StoredFile> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new StoredFile(r.getString(1), r.getString(2), r.getString(3), r.getLong(4),
                            Instant.ofEpochMilli(r.getLong(5))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new FileStoreException(e);
        }
    }

    /** A database failure; the cause stays in the server log. */
    static final class FileStoreException extends RuntimeException {
        FileStoreException(SQLException cause) {
            super("file storage failed", cause);
        }
    }
}
