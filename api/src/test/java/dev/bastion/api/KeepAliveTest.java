package dev.bastion.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeepAliveTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void parsesGoDurationStrings() {
        assertThat(KeepAlive.parse("10m").duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(KeepAlive.parse("1h").duration()).isEqualTo(Duration.ofHours(1));
        assertThat(KeepAlive.parse("1h30m15s").duration()).isEqualTo(Duration.ofSeconds(5415));
        assertThat(KeepAlive.parse("1.5h").duration()).isEqualTo(Duration.ofMinutes(90));
        assertThat(KeepAlive.parse("250ms").duration()).isEqualTo(Duration.ofMillis(250));
        assertThat(KeepAlive.parse("5m0s").duration()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void negativeMeansForeverAndZeroMeansUnloadNow() {
        assertThat(KeepAlive.parse("-1").forever()).isTrue();
        assertThat(KeepAlive.parse("-1m").forever()).isTrue();
        assertThat(KeepAlive.fromJson(F.numberNode(-1), KeepAlive.DEFAULT).forever()).isTrue();
        assertThat(KeepAlive.fromJson(F.numberNode(0), KeepAlive.DEFAULT).unloadNow()).isTrue();
        assertThat(KeepAlive.parse("0").unloadNow()).isTrue();
        assertThat(KeepAlive.parse("0s").unloadNow()).isTrue();
        assertThat(KeepAlive.FOREVER.expiry(Instant.EPOCH)).isNull();
    }

    @Test
    void numbersAreSeconds() {
        assertThat(KeepAlive.fromJson(F.numberNode(300), KeepAlive.DEFAULT).duration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(KeepAlive.fromJson(F.numberNode(1.5), KeepAlive.DEFAULT).duration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(KeepAlive.parse("30").duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(KeepAlive.parse("30").expiry(Instant.EPOCH)).isEqualTo(Instant.EPOCH.plusSeconds(30));
    }

    @Test
    void absentOrNullGivesTheFallback() {
        assertThat(KeepAlive.fromJson(null, KeepAlive.DEFAULT)).isEqualTo(KeepAlive.DEFAULT);
        assertThat(KeepAlive.fromJson(F.nullNode(), KeepAlive.UNLOAD_NOW)).isEqualTo(KeepAlive.UNLOAD_NOW);
    }

    @Test
    void hugeValuesSaturateToForeverInsteadOfOverflowing() {
        assertThat(KeepAlive.parse("99999999999999999999h").forever()).isTrue();
        assertThat(KeepAlive.fromJson(F.numberNode(1e300), KeepAlive.DEFAULT).forever()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "5 m", "m5", "10x", "1h-5m", "--1", "NaN", "Infinity"})
    void rejectsGarbageNamingTheValue(String text) {
        assertThatThrownBy(() -> KeepAlive.parse(text))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("keep_alive")
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
    }

    @Test
    void rejectsWrongJsonTypes() {
        assertThatThrownBy(() -> KeepAlive.fromJson(F.booleanNode(true), KeepAlive.DEFAULT))
                .isInstanceOf(ApiException.class).hasMessageContaining("keep_alive");
        assertThatThrownBy(() -> KeepAlive.fromJson(F.arrayNode(), KeepAlive.DEFAULT)).isInstanceOf(ApiException.class);
    }
}
