package dev.bastion.web;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {

    private final PasswordHasher hasher = new PasswordHasher();

    @Test
    void hashesWithTheDocumentedParametersAndARandomSalt() {
        String hash = hasher.hash("correct horse battery staple");
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        String[] parts = hash.split("\\$");
        assertThat(Base64.getDecoder().decode(parts[4])).hasSize(16);
        assertThat(Base64.getDecoder().decode(parts[5])).hasSize(32);
        assertThat(hasher.hash("correct horse battery staple")).as("a fresh salt each time").isNotEqualTo(hash);
        assertThat(hasher.verify("correct horse battery staple", hash)).isTrue();
        assertThat(hasher.verify("correct horse battery stapl", hash)).isFalse();
        assertThat(hasher.verify("", hash)).isFalse();
        assertThat(hasher.verify(null, hash)).isFalse();
    }

    @Test
    void aTamperedOrMalformedStoredHashNeverMatches() {
        String hash = hasher.hash("pässwörd with ünïcode");
        assertThat(hasher.verify("pässwörd with ünïcode", hash)).isTrue();
        String[] parts = hash.split("\\$");
        String weaker = hash.replace("t=2", "t=1");
        String otherSalt = hash.replace(parts[4], Base64.getEncoder().withoutPadding().encodeToString(new byte[16]));
        String hugeMemory = hash.replace("m=19456", "m=2000000000");
        for (String stored : new String[] {weaker, otherSalt, hugeMemory, hash.replace("argon2id", "argon2i"),
                "$argon2id$v=19$m=19456,t=2,p=1$!!$!!", "$argon2id$v=19$m=x,t=2,p=1$AAAA$AAAA", "", "$$$$$",
                hash.replace("v=19", "v=16"), parts[5]}) {
            assertThat(hasher.verify("pässwörd with ünïcode", stored)).as(stored).isFalse();
        }
        assertThat(hasher.verify("pässwörd with ünïcode", null)).isFalse();
    }
}
