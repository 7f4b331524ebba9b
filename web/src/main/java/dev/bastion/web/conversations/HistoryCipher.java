package dev.bastion.web.conversations;

import dev.bastion.security.SecretBox;

/**
 * Chat history encrypted at rest, column by column: a stored value is either plain text or {@link #SEALED} followed by
 * an AES-256-GCM box (SecretBox's format: version, random nonce, ciphertext and tag, base64url) under a key derived
 * from the server secret with HKDF ({@value #KEY_INFO}; not the model blobs' key). The associated data names the
 * value's owner, conversation, message position and role, and column, so a value copied to another row, conversation
 * or user does not decrypt. New values are sealed only when the home's switch is on; sealed and plain values are read
 * alike whatever the switch says, so a home can turn it on or off without losing history.
 */
public final class HistoryCipher {

    public static final String KEY_INFO = "bastion/chat-history-v1";
    /** Starts with a control character: titles refuse them, so no title a user typed can look sealed. */
    static final String SEALED = "\u0001sealed:v1:";
    /** A plain value that itself starts with the marker's first character is stored behind this, so it cannot pass for sealed. */
    static final String ESCAPED = "\u0001plain:";
    private static final char MARK = '\u0001';

    /** Reads plain history only, writes plain: a store without the server secret (tests, tools). */
    public static final HistoryCipher NONE = new HistoryCipher(null, false);

    private final SecretBox box;
    private final boolean sealNew;

    private HistoryCipher(SecretBox box, boolean sealNew) {
        this.box = box;
        this.sealNew = sealNew;
    }

    /** @param sealNew the home's switch ({@code BASTION_ENCRYPT_MODELS=on}): whether new values are written encrypted */
    public static HistoryCipher of(SecretBox serverSecret, boolean sealNew) {
        return new HistoryCipher(new SecretBox(serverSecret.hkdf(KEY_INFO)), sealNew);
    }

    public boolean sealsNew() {
        return sealNew;
    }

    /** Where a value lives: its owner, conversation, message (position and role; null for the conversation's own columns) and column. */
    record Place(long userId, String conversationId, Integer position, String role, String column) {
        static Place conversation(long userId, String conversationId, String column) {
            return new Place(userId, conversationId, null, null, column);
        }

        String associatedData() {
            return "bastion/chat/v1|user=" + userId + "|conversation=" + conversationId
                    + (position == null ? "" : "|position=" + position + "|role=" + role) + "|column=" + column;
        }
    }

    String seal(String value, Place place) {
        if (value == null) return null;
        if (sealNew) return SEALED + box.encryptToString(value, place.associatedData());
        return !value.isEmpty() && value.charAt(0) == MARK ? ESCAPED + value : value;
    }

    /** The stored value as written; {@link UnreadableException} when sealed and it does not open here (details logged by the caller). */
    String open(String stored, Place place) {
        if (stored == null || stored.isEmpty() || stored.charAt(0) != MARK) return stored;
        if (stored.startsWith(ESCAPED)) return stored.substring(ESCAPED.length());
        if (!stored.startsWith(SEALED)) return stored; // a plain value from before this format
        if (box == null) throw new UnreadableException(place, "it is encrypted and this store has no server secret");
        try {
            return box.decryptString(stored.substring(SEALED.length()), place.associatedData());
        } catch (SecretBox.TamperedException e) {
            throw new UnreadableException(place, "it does not decrypt with this server's secret at its place (" + e.getMessage() + ")");
        }
    }

    static boolean isSealed(String stored) {
        return stored != null && stored.startsWith(SEALED);
    }

    /**
     * A stored value that does not decrypt: another secret, or a value moved or altered. The message names the place
     * (ids and column, never content) for the server log; HTTP answers carry only a generic text.
     */
    public static final class UnreadableException extends RuntimeException {
        UnreadableException(Place place, String why) {
            super("stored chat history cannot be read (conversation " + place.conversationId()
                    + (place.position() == null ? "" : ", message " + place.position()) + ", " + place.column() + "): " + why);
        }
    }
}
