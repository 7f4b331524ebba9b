package dev.bastion.web.files;

import dev.bastion.api.ApiException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The names the HTTP layer cannot deliver as sent (Jetty normalises header whitespace), checked directly. */
class FileNamesTest {

    @Test
    void namesAreComposedAndRefusedRatherThanRewritten() {
        assertThat(FileNames.check("re\u0301sume\u0301.txt")).isEqualTo("r\u00e9sum\u00e9.txt");
        assertThat(FileNames.check("notes v2.txt")).isEqualTo("notes v2.txt");
        for (String hostile : new String[]{"tab\t.txt", "trailing ", "trailing.", "cr\r.txt", "del\u007f.txt", "bell\u0007",
                "\u2066isolate.txt", "bom\ufeff.txt", "nul.txt", "Aux", "com1.tar.gz", "a/b", "a\\b", "..", ".env", "x".repeat(201),
                "\u00e9".repeat(130), "\u0000"}) {
            assertThatThrownBy(() -> FileNames.check(hostile)).as(hostile).isInstanceOf(ApiException.class)
                    .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
        }
    }

    @Test
    void aTakenNameIsNumberedWithinTheLengthCap() {
        assertThat(FileNames.numbered("notes.txt", 2)).isEqualTo("notes (2).txt");
        assertThat(FileNames.numbered("README", 3)).isEqualTo("README (3)");
        String longest = FileNames.numbered("x".repeat(200) + ".txt", 12);
        assertThat(longest).endsWith(" (12).txt").hasSize(FileNames.MAX_CHARS);
        assertThat(FileNames.check(longest)).isEqualTo(longest);
    }
}
