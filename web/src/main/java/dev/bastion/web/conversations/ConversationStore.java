package dev.bastion.web.conversations;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Conversations in the security database (tables of web's V31). Every query names the owner's user id: another user's
 * conversation is indistinguishable from a missing one (empty / false), never an error of its own. What users typed
 * and models wrote (titles, system prompts, options, message texts, tool calls and results) passes through the
 * {@link HistoryCipher}: encrypted when the home's switch is on, read back whether encrypted or not.
 */
public final class ConversationStore {

    private static final String COLUMNS = "id, title, model, system_prompt, options_json, created_at, updated_at";

    /** How many of a user's newest conversations with encrypted text a search decrypts and looks through, at most. */
    static final int MAX_SEALED_SEARCH = 500;

    private final Database database;
    private final Clock clock;
    private final HistoryCipher cipher;

    /** A store of plain history (encrypted rows do not read): for tests and tools without the server secret. */
    public ConversationStore(Database database, Clock clock) {
        this(database, clock, HistoryCipher.NONE);
    }

    public ConversationStore(Database database, Clock clock, HistoryCipher cipher) {
        this.database = database;
        this.clock = clock;
        this.cipher = cipher;
    }

    /** The server's store: keyed from the server secret, encrypting new history when {@code BASTION_ENCRYPT_MODELS} is on. */
    public static ConversationStore open(dev.bastion.security.SecurityServices services, java.util.Map<String, String> env) {
        return new ConversationStore(services.database(), Clock.systemUTC(),
                HistoryCipher.of(services.secrets(), dev.bastion.security.EncryptionSwitch.on(env)));
    }

    public Conversation create(long userId, String title, String model, String system, String optionsJson) {
        String id = UUID.randomUUID().toString();
        long now = clock.millis();
        update("INSERT INTO web_conversations (id, user_id, title, model, system_prompt, options_json, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, userId, seal(title, userId, id, "title"), model,
                seal(system, userId, id, "system_prompt"), seal(optionsJson, userId, id, "options_json"), now, now);
        return new Conversation(id, title, model, system, optionsJson, Instant.ofEpochMilli(now), Instant.ofEpochMilli(now), List.of());
    }

    /** Newest (last changed) first. */
    public List<Conversation> list(long userId, int limit, int offset) {
        return query(userId, "SELECT " + COLUMNS + " FROM web_conversations WHERE user_id = ? ORDER BY updated_at DESC, id"
                + " LIMIT ? OFFSET ?", userId, limit, offset);
    }

    /**
     * Conversations whose title or any message contains {@code text}, case-insensitively; {@code %}, {@code _} and the
     * escape character in {@code text} are literal. Plain text is matched by the database; encrypted text cannot be,
     * so it is decrypted here and matched in memory, in the user's newest {@value #MAX_SEALED_SEARCH} conversations
     * holding any (a bound on the work one search can cause). Both kinds of match are merged in the listing's order.
     */
    public List<Conversation> search(long userId, String text, int limit, int offset) {
        String needle = text.toLowerCase(java.util.Locale.ROOT);
        String pattern = "%" + escapeLike(needle) + "%";
        String sealed = escapeLike(HistoryCipher.SEALED) + "%";
        long wanted = (long) offset + limit;
        List<Conversation> found = new ArrayList<>(query(userId, "SELECT " + COLUMNS + " FROM web_conversations c WHERE c.user_id = ?"
                + " AND ((c.title NOT LIKE ? ESCAPE '!' AND LOWER(c.title) LIKE ? ESCAPE '!')"
                + " OR EXISTS (SELECT 1 FROM web_messages m WHERE m.conversation_id = c.id AND m.content NOT LIKE ? ESCAPE '!'"
                + " AND LOWER(m.content) LIKE ? ESCAPE '!'))"
                + " ORDER BY c.updated_at DESC, c.id LIMIT ?", userId, sealed, pattern, sealed, pattern, wanted));
        java.util.Set<String> seen = new java.util.HashSet<>(found.stream().map(Conversation::id).toList());
        List<Conversation> candidates = query(userId, "SELECT " + COLUMNS + " FROM web_conversations c WHERE c.user_id = ?"
                + " AND (c.title LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM web_messages m WHERE m.conversation_id = c.id"
                + " AND m.content LIKE ? ESCAPE '!')) ORDER BY c.updated_at DESC, c.id LIMIT ?", userId, sealed, sealed, MAX_SEALED_SEARCH);
        for (Conversation c : candidates) {
            if (!seen.contains(c.id()) && (c.title().toLowerCase(java.util.Locale.ROOT).contains(needle)
                    || anyMessageContains(userId, c.id(), needle))) {
                found.add(c);
            }
        }
        found.sort(java.util.Comparator.comparing(Conversation::updatedAt).reversed().thenComparing(Conversation::id));
        return found.subList((int) Math.min(offset, found.size()), (int) Math.min(wanted, found.size()));
    }

    private boolean anyMessageContains(long userId, String id, String needle) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT position, role, content FROM web_messages WHERE conversation_id = ?"
                     + " ORDER BY position")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String content = cipher.open(r.getString(3), new HistoryCipher.Place(userId, id, r.getInt(1), r.getString(2), "content"));
                    if (content.toLowerCase(java.util.Locale.ROOT).contains(needle)) return true;
                }
            }
            return false;
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    static String escapeLike(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    /** The conversation with its messages in order, if {@code userId} owns it. */
    public Optional<Conversation> get(long userId, String id) {
        List<Conversation> found = query(userId, "SELECT " + COLUMNS + " FROM web_conversations WHERE id = ? AND user_id = ?", id, userId);
        if (found.isEmpty()) return Optional.empty();
        List<Message> messages = new ArrayList<>();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT position, role, content, thinking, tool_calls_json, prompt_tokens,"
                     + " generated_tokens, tokens_per_second, credits, created_at, tool_results_json, done_reason FROM web_messages"
                     + " WHERE conversation_id = ?"
                     + " ORDER BY position")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    int position = r.getInt(1);
                    String role = r.getString(2);
                    messages.add(new Message(position, role, open(r.getString(3), userId, id, position, role, "content"),
                            open(r.getString(4), userId, id, position, role, "thinking"),
                            open(r.getString(5), userId, id, position, role, "tool_calls_json"),
                            (Integer) nullable(r, 6, r.getInt(6)), (Integer) nullable(r, 7, r.getInt(7)),
                            (Double) nullable(r, 8, r.getDouble(8)), (Long) nullable(r, 9, r.getLong(9)),
                            Instant.ofEpochMilli(r.getLong(10)), open(r.getString(11), userId, id, position, role, "tool_results_json"),
                            r.getString(12)));
                }
            }
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
        return Optional.of(found.getFirst().withMessages(messages));
    }

    private static Object nullable(ResultSet r, int column, Object value) throws SQLException {
        return r.wasNull() ? null : value;
    }

    public boolean rename(long userId, String id, String title) {
        return update("UPDATE web_conversations SET title = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                seal(title, userId, id, "title"), clock.millis(), id, userId) == 1;
    }

    public boolean delete(long userId, String id) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                int deleted = execute(c, "DELETE FROM web_conversations WHERE id = ? AND user_id = ?", id, userId);
                if (deleted == 1) execute(c, "DELETE FROM web_messages WHERE conversation_id = ?", id);
                c.commit();
                return deleted == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    /** Appends the messages after the last one, in one transaction; false (nothing written) unless {@code userId} owns it. */
    public boolean append(long userId, String id, List<Message> messages) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                long now = clock.millis();
                // Claims the conversation first: the owner check and the write are one statement.
                if (execute(c, "UPDATE web_conversations SET updated_at = ? WHERE id = ? AND user_id = ?", now, id, userId) != 1) {
                    c.rollback();
                    return false;
                }
                insert(c, userId, id, messages, now);
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    /**
     * Ends a chat turn in one transaction, if {@code userId} owns the conversation: updates its model, system prompt
     * and options (each null: unchanged), drops the last message when {@code dropLastReply} and it is an assistant's
     * (a regenerated reply replaces it), then appends {@code messages}. False, nothing written, when not the owner.
     */
    public boolean finishTurn(long userId, String id, String model, String system, String optionsJson, boolean dropLastReply,
                              List<Message> messages) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                long now = clock.millis();
                if (execute(c, "UPDATE web_conversations SET updated_at = ?, model = COALESCE(?, model),"
                        + " system_prompt = COALESCE(?, system_prompt), options_json = COALESCE(?, options_json)"
                        + " WHERE id = ? AND user_id = ?", now, model, seal(system, userId, id, "system_prompt"),
                        seal(optionsJson, userId, id, "options_json"), id, userId) != 1) {
                    c.rollback();
                    return false;
                }
                if (dropLastReply) {
                    execute(c, "DELETE FROM web_messages WHERE conversation_id = ? AND role = 'assistant' AND position ="
                            + " (SELECT MAX(position) FROM web_messages WHERE conversation_id = ?)", id, id);
                }
                insert(c, userId, id, messages, now);
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    private void insert(Connection c, long userId, String id, List<Message> messages, long now) throws SQLException {
        int next;
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(position), -1) + 1 FROM web_messages WHERE conversation_id = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                next = r.getInt(1);
            }
        }
        for (Message m : messages) {
            int position = next++;
            execute(c, "INSERT INTO web_messages (conversation_id, position, role, content, thinking, tool_calls_json,"
                            + " prompt_tokens, generated_tokens, tokens_per_second, credits, created_at, tool_results_json, done_reason)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", id, position, m.role(),
                    seal(m.content(), userId, id, position, m.role(), "content"),
                    seal(m.thinking(), userId, id, position, m.role(), "thinking"),
                    seal(m.toolCallsJson(), userId, id, position, m.role(), "tool_calls_json"),
                    m.promptTokens(), m.generatedTokens(), m.tokensPerSecond(), m.credits(), now,
                    seal(m.toolResultsJson(), userId, id, position, m.role(), "tool_results_json"), m.doneReason());
        }
    }

    private String seal(String value, long userId, String id, String column) {
        return cipher.seal(value, HistoryCipher.Place.conversation(userId, id, column));
    }

    private String seal(String value, long userId, String id, int position, String role, String column) {
        return cipher.seal(value, new HistoryCipher.Place(userId, id, position, role, column));
    }

    private String open(String stored, long userId, String id, int position, String role, String column) {
        return cipher.open(stored, new HistoryCipher.Place(userId, id, position, role, column));
    }

    /** Conversations of {@code userId} (every query names the owner, so the owner is also what the text is bound to). */
    private List<Conversation> query(long userId, String sql, Object... args) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<Conversation> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String id = r.getString(1);
                    out.add(new Conversation(id, cipher.open(r.getString(2), HistoryCipher.Place.conversation(userId, id, "title")),
                            r.getString(3), cipher.open(r.getString(4), HistoryCipher.Place.conversation(userId, id, "system_prompt")),
                            cipher.open(r.getString(5), HistoryCipher.Place.conversation(userId, id, "options_json")),
                            Instant.ofEpochMilli(r.getLong(6)), Instant.ofEpochMilli(r.getLong(7)), List.of()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = database.connection()) {
            return execute(c, sql, args);
        } catch (SQLException e) {
            throw new ConversationStoreException(e);
        }
    }

    private static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        }
    }

    private static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case null -> s.setNull(i + 1, Types.NULL);
                case String v -> s.setString(i + 1, v);
                case Integer v -> s.setInt(i + 1, v);
                case Long v -> s.setLong(i + 1, v);
                case Double v -> s.setDouble(i + 1, v);
                default -> throw new IllegalArgumentException("unsupported parameter " + args[i].getClass());
            }
        }
    }

    /** A database failure; its message is the generic one HTTP answers carry, the cause stays in the server log. */
    public static final class ConversationStoreException extends RuntimeException {
        ConversationStoreException(SQLException cause) {
            super("conversation storage failed", cause);
        }
    }
}
