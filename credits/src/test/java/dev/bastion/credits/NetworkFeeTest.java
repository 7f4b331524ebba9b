package dev.bastion.credits;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkFeeTest {

    /** The plain definition: floor(charge × bp / 10,000), computed without any chance of overflow. */
    private static long reference(long charge, int basisPoints) {
        return BigInteger.valueOf(charge).multiply(BigInteger.valueOf(basisPoints))
                .divide(BigInteger.valueOf(10_000)).longValueExact();
    }

    @Test
    void theFeeIsRoundedDownAndTheOwnerGetsTheRestForEveryChargeUpToTheLargest() {
        SplittableRandom random = new SplittableRandom(15);
        long[] edges = {0, 1, 3, 7, 9_999, 10_000, 10_001, Long.MAX_VALUE / 10_000, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (int bp : new int[] {0, 1, 1_000, 1_250, 3_333, 9_999, 10_000}) {
            NetworkFee fee = new NetworkFee(bp);
            for (long charge : edges) check(fee, charge);
            for (int i = 0; i < 2_000; i++) check(fee, random.nextLong(0, Long.MAX_VALUE));
        }
        assertThat(new NetworkFee(1_250).feeOn(9_999)).isEqualTo(1_249); // 1,249.875 rounds down
        assertThat(new NetworkFee(1_250).earningsOn(9_999)).isEqualTo(8_750);
        assertThat(new NetworkFee(1_250).feeOn(1)).isZero();
        assertThat(new NetworkFee(10_000).earningsOn(3)).isZero();
        assertThatThrownBy(() -> NetworkFee.DEFAULT.feeOn(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void check(NetworkFee fee, long charge) {
        long f = fee.feeOn(charge);
        assertThat(f).as("fee on %d at %d bp", charge, fee.basisPoints()).isEqualTo(reference(charge, fee.basisPoints()));
        assertThat(fee.earningsOn(charge)).isEqualTo(charge - f).isNotNegative();
    }

    @Test
    void percentagesParseToBasisPointsWithAtMostTwoDecimals() {
        assertThat(NetworkFee.parsePercent("10")).isEqualTo(new NetworkFee(1_000));
        assertThat(NetworkFee.parsePercent(" 12.5% ")).isEqualTo(new NetworkFee(1_250));
        assertThat(NetworkFee.parsePercent("0.01")).isEqualTo(new NetworkFee(1));
        assertThat(NetworkFee.parsePercent("0")).isEqualTo(new NetworkFee(0));
        assertThat(NetworkFee.parsePercent("100.00")).isEqualTo(new NetworkFee(10_000));
        assertThat(new NetworkFee(1_250).percent()).isEqualTo("12.5%");
        assertThat(new NetworkFee(1_000).percent()).isEqualTo("10%");
        assertThat(new NetworkFee(0).percent()).isEqualTo("0%");
        assertThat(new NetworkFee(25).percent()).isEqualTo("0.25%");
    }

    @Test
    void hostileFeesAreRefusedWithoutEchoingThem() {
        for (String hostile : new String[] {"", "   ", "-5", "+5", "100.01", "101", "12.345", "1e2", "1E1", "NaN",
                "Infinity", "0x10", "10;DROP TABLE credit_network_fees", "\u0661\u0660", "5.", ".5", "10 %%",
                "99999999999999999999", "1_0"}) {
            assertThatThrownBy(() -> NetworkFee.parsePercent(hostile)).as(hostile)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("network fee")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("DROP"));
        }
        assertThatThrownBy(() -> NetworkFee.parsePercent(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NetworkFee(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NetworkFee(10_001)).isInstanceOf(IllegalArgumentException.class);
    }
}
