package dev.bastion.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class CancellationTokenTest {

    @Test
    void aProbingTokenCancelsItselfOnceTheProbeSaysSoAskingAtMostEvery100Ms() throws Exception {
        AtomicBoolean gone = new AtomicBoolean();
        AtomicInteger asked = new AtomicInteger();
        CancellationToken token = CancellationToken.probing(() -> {
            asked.incrementAndGet();
            return gone.get();
        });
        for (int i = 0; i < 100_000; i++) assertThat(token.isCancelled()).isFalse();
        assertThat(asked).hasValue(0); // a generation checks at every step: the probe (a syscall) must not run that often
        gone.set(true);
        Thread.sleep(150);
        assertThat(token.isCancelled()).isTrue();
        assertThat(asked).hasValue(1);
        assertThat(token.isCancelled()).isTrue();
        assertThat(asked).hasValue(1);
    }

    @Test
    void cancelWorksWithOrWithoutAProbe() {
        CancellationToken plain = new CancellationToken();
        CancellationToken probing = CancellationToken.probing(() -> false);
        plain.cancel();
        probing.cancel();
        assertThat(plain.isCancelled()).isTrue();
        assertThat(probing.isCancelled()).isTrue();
    }
}
