package dev.bastion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FormatsTest {

    @ParameterizedTest
    @CsvSource({"0, 0 B", "999, 999 B", "1000, 1.0 KB", "1234567, 1.2 MB", "356000000, 356 MB", "4700000000, 4.7 GB"})
    void sizesUseDecimalUnits(long bytes, String expected) {
        assertThat(Formats.size(bytes)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"0, Less than a second ago", "1, 1 second ago", "59, 59 seconds ago", "60, 1 minute ago",
            "7200, 2 hours ago", "86400, 1 day ago", "1209600, 2 weeks ago", "7776000, 3 months ago", "63072000, 2 years ago",
            "-5, Less than a second ago"})
    void agesAreRelative(long secondsAgo, String expected) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Formats.age(now.minusSeconds(secondsAgo), now)).isEqualTo(expected);
    }

    @Test
    void tableAlignsColumns() {
        assertThat(Formats.table(List.of("NAME", "ID"), List.of(List.of("a-long-name", "1"), List.of("b", "22"))))
                .isEqualTo("NAME          ID\na-long-name   1\nb             22\n");
    }
}
