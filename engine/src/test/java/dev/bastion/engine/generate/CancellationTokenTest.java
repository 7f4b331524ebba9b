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
        long start = System.nanoTime();
        for (int i = 0; i < 100_000; i++) assertThat(token.isCancelled()).isFalse();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        // A generation checks at every step: the probe (a syscall) runs at most every 100 ms of them.
        assertThat(asked.get()).isLessThanOrEqualTo((int) (elapsedMillis / 100));
        int before = asked.get();
        gone.set(true);
        Thread.sleep(150);
        assertThat(token.isCancelled()).isTrue();
        assertThat(token.isCancelled()).isTrue();
        assertThat(asked).hasValue(before + 1);
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
