package dev.bastion.web.account;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The published test vectors of RFC 4226 (HOTP, appendix D) and RFC 6238 (TOTP, appendix B, SHA-1). */
class TotpTest {

    private static final byte[] RFC_KEY = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @Test
    void hotpMatchesRfc4226AppendixD() {
        String[] expected = {"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"};
        for (int counter = 0; counter < expected.length; counter++) {
            assertThat(Totp.hotp(RFC_KEY, counter, 6)).as("counter %d", counter).isEqualTo(expected[counter]);
        }
    }

    @Test
    void totpMatchesRfc6238AppendixBForSha1() {
        long[] times = {59L, 1111111109L, 1111111111L, 1234567890L, 2000000000L, 20000000000L};
        String[] expected = {"94287082", "07081804", "14050471", "89005924", "69279037", "65353130"};
        for (int i = 0; i < times.length; i++) {
            assertThat(Totp.hotp(RFC_KEY, Totp.stepAt(times[i] * 1000), 8)).as("T=%d", times[i]).isEqualTo(expected[i]);
        }
        assertThat(Totp.stepAt(1111111109L * 1000)).isEqualTo(0x23523EC);
    }

    @Test
    void aCodeMatchesOneStepEitherSideAndNoFurther() {
        long now = 1_700_000_000_000L;
        long step = Totp.stepAt(now);
        assertThat(Totp.matchingStep(RFC_KEY, Totp.hotp(RFC_KEY, step, 6), now)).hasValue(step);
        assertThat(Totp.matchingStep(RFC_KEY, Totp.hotp(RFC_KEY, step - 1, 6), now)).hasValue(step - 1);
        assertThat(Totp.matchingStep(RFC_KEY, Totp.hotp(RFC_KEY, step + 1, 6), now)).hasValue(step + 1);
        assertThat(Totp.matchingStep(RFC_KEY, Totp.hotp(RFC_KEY, step - 2, 6), now)).isEmpty();
        assertThat(Totp.matchingStep(RFC_KEY, Totp.hotp(RFC_KEY, step + 2, 6), now)).isEmpty();
    }

    @Test
    void malformedCodesNeverMatch() {
        long now = 1_700_000_000_000L;
        String right = Totp.hotp(RFC_KEY, Totp.stepAt(now), 6);
        for (String hostile : new String[] {null, "", " " + right, right + " ", right + "0", "+" + right.substring(1),
                "１２３４５６", "12345", "abcdef", "-12345", "1234567890123"}) {
            assertThat(Totp.matchingStep(RFC_KEY, hostile, now)).as(String.valueOf(hostile)).isEmpty();
        }
    }

    @Test
    void secretsAreTwentyRandomBytesInUnpaddedBase32() {
        String secret = Totp.newSecret();
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(Totp.decodeSecret(secret)).hasSize(20);
        assertThat(Totp.newSecret()).isNotEqualTo(secret);
        // RFC 4648's example: "foobar" is MZXW6YTBOI (padding dropped)
        assertThat(Totp.decodeSecret("MZXW6YTBOI")).isEqualTo("foobar".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theOtpauthUriNamesIssuerAndAccountEncoded() {
        String uri = Totp.otpauthUri("Bastion", "al ice&x", "JBSWY3DPEHPK3PXP");
        assertThat(uri).isEqualTo("otpauth://totp/Bastion:al%20ice%26x?secret=JBSWY3DPEHPK3PXP&issuer=Bastion"
                + "&algorithm=SHA1&digits=6&period=30");
    }
}
