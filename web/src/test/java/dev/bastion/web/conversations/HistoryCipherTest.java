package dev.bastion.web.conversations;

import dev.bastion.security.SecretBox;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stored-value format: sealed values bound to their place, plain values read as written, hostile values refused. */
class HistoryCipherTest {

    static final SecretBox SECRET = new SecretBox(new byte[32]);
    static final HistoryCipher ON = HistoryCipher.of(SECRET, true);
    static final HistoryCipher OFF = HistoryCipher.of(SECRET, false);
    static final HistoryCipher.Place PLACE = new HistoryCipher.Place(7, "c-1", 3, "user", "content");

    @Test
    void sealedValuesOpenOnlyAtTheirPlace() {
        String sealed = ON.seal("hello there", PLACE);
        assertThat(sealed).startsWith(HistoryCipher.SEALED).doesNotContain("hello");
        assertThat(ON.seal("hello there", PLACE)).as("a random nonce per value").isNotEqualTo(sealed);
        assertThat(ON.open(sealed, PLACE)).isEqualTo("hello there");
        assertThat(OFF.open(sealed, PLACE)).as("the switch off still reads").isEqualTo("hello there");
        for (HistoryCipher.Place elsewhere : List.of(new HistoryCipher.Place(8, "c-1", 3, "user", "content"),
                new HistoryCipher.Place(7, "c-2", 3, "user", "content"), new HistoryCipher.Place(7, "c-1", 4, "user", "content"),
                new HistoryCipher.Place(7, "c-1", 3, "system", "content"), new HistoryCipher.Place(7, "c-1", 3, "user", "thinking"),
                HistoryCipher.Place.conversation(7, "c-1", "content"))) {
            assertThatThrownBy(() -> ON.open(sealed, elsewhere)).isInstanceOf(HistoryCipher.UnreadableException.class)
                    .message().doesNotContain("hello");
        }
    }

    @Test
    void theKeyIsDerivedForHistoryOnly() {
        String sealed = ON.seal("hello", PLACE);
        String box = sealed.substring(HistoryCipher.SEALED.length());
        // neither the server secret itself nor another derived key opens it
        assertThatThrownBy(() -> SECRET.decryptString(box, PLACE.associatedData())).isInstanceOf(SecretBox.TamperedException.class);
        assertThatThrownBy(() -> new SecretBox(SECRET.hkdf("bastion/model-blob-kek-v1")).decryptString(box, PLACE.associatedData()))
                .isInstanceOf(SecretBox.TamperedException.class);
        assertThat(new SecretBox(SECRET.hkdf(HistoryCipher.KEY_INFO)).decryptString(box, PLACE.associatedData())).isEqualTo("hello");
    }

    @Test
    void plainValuesAreReadAsWrittenEvenWhenTheyLookSealed() {
        for (String text : List.of("", "plain", HistoryCipher.SEALED + "AAAA", HistoryCipher.ESCAPED + "x", "\u0001other")) {
            String stored = OFF.seal(text, PLACE);
            assertThat(OFF.open(stored, PLACE)).isEqualTo(text);
            assertThat(ON.open(stored, PLACE)).isEqualTo(text);
            assertThat(ON.open(ON.seal(text, PLACE), PLACE)).isEqualTo(text);
        }
        assertThat(OFF.seal("plain", PLACE)).isEqualTo("plain");
        assertThat(OFF.seal(null, PLACE)).isNull();
        assertThat(ON.seal(null, PLACE)).isNull();
        assertThat(ON.open("\u0001legacy", PLACE)).as("a plain value from before the format").isEqualTo("\u0001legacy");
    }

    @Test
    void hostileSealedValuesFailCleanly() {
        String sealed = ON.seal("secret words", PLACE);
        byte[] box = Base64.getUrlDecoder().decode(sealed.substring(HistoryCipher.SEALED.length()));
        box[box.length - 1] ^= 1;
        String flipped = HistoryCipher.SEALED + Base64.getUrlEncoder().withoutPadding().encodeToString(box);
        for (String hostile : List.of(HistoryCipher.SEALED, HistoryCipher.SEALED + "!!", HistoryCipher.SEALED + "AAAA", flipped,
                sealed.substring(0, sealed.length() - 5))) {
            assertThatThrownBy(() -> ON.open(hostile, PLACE)).isInstanceOf(HistoryCipher.UnreadableException.class)
                    .hasMessageContaining("c-1").message().doesNotContain("secret words");
        }
        assertThatThrownBy(() -> HistoryCipher.NONE.open(sealed, PLACE)).isInstanceOf(HistoryCipher.UnreadableException.class)
                .hasMessageContaining("no server secret");
    }
}
