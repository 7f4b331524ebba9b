package dev.bastion.web.account;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QrCodesTest {

    @Test
    void everyEnrolmentUriReadsBackExactly() throws Exception {
        // Many secrets, because whether a code's data region confuses a reader depends on the secret.
        for (int i = 0; i < 300; i++) {
            String uri = Totp.otpauthUri("Bastion", "alice@example.org", Totp.newSecret());
            assertThat(QrImages.decode(QrCodes.png(uri))).isEqualTo(uri);
        }
    }
}
