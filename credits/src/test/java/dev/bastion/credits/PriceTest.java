package dev.bastion.credits;

import dev.bastion.security.Role;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceTest {

    /** The plain definition the integer arithmetic must match: ceil of the exact rational cost, plus the call price. */
    private static long reference(Price p, long prompt, long generated) {
        java.math.BigInteger thousandths = java.math.BigInteger.valueOf(prompt).multiply(java.math.BigInteger.valueOf(p.promptPer1k()))
                .add(java.math.BigInteger.valueOf(generated).multiply(java.math.BigInteger.valueOf(p.generatedPer1k())));
        java.math.BigInteger[] qr = thousandths.divideAndRemainder(java.math.BigInteger.valueOf(1000));
        return qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0) + p.perCall();
    }

    @Test
    void costsRoundUpOncePerRequestAsTheReferenceDoes() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            Price p = new Price("model:x", random.nextInt(5000), random.nextInt(5000), random.nextInt(3));
            long prompt = random.nextInt(100_000);
            long generated = random.nextInt(100_000);
            assertThat(p.cost(prompt, generated)).isEqualTo(reference(p, prompt, generated));
        }
        assertThat(new Price("x", 1, 1, 0).cost(1, 0)).isEqualTo(1);
        assertThat(new Price("x", 1, 1, 0).cost(0, 0)).isZero();
        assertThatThrownBy(() -> new Price("x", Long.MAX_VALUE, 0, 0).cost(2, 0)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void theMostAGenerationCanCostBoundsEverySplitOfTheContext() {
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 2_000; i++) {
            Price p = new Price("x", random.nextInt(3000), random.nextInt(3000), random.nextInt(2));
            int context = 1 + random.nextInt(300);
            int maxGenerated = random.nextInt(400);
            long bound = p.maxCost(context, maxGenerated);
            long worst = 0;
            for (int generated = 0; generated <= Math.min(context, maxGenerated); generated++) {
                worst = Math.max(worst, p.cost(context - generated, generated));
            }
            assertThat(bound).isEqualTo(worst);
        }
    }

    @Test
    void configurationFromTheEnvironment() {
        CreditsConfig auto = CreditsConfig.fromEnvironment(Map.of());
        assertThat(auto.enabledFor(1, 1)).isFalse();
        assertThat(auto.enabledFor(2, 1)).isTrue();
        assertThat(auto.enabledFor(0, 0)).as("before the bootstrap admin exists").isFalse();
        assertThat(auto.enabledFor(1, 0)).isTrue();
        assertThat(auto.freeRoles()).containsExactly(Role.ADMIN);
        assertThat(CreditsConfig.fromEnvironment(Map.of("BASTION_CREDITS", "on")).enabledFor(1, 1)).isTrue();
        assertThat(CreditsConfig.fromEnvironment(Map.of("BASTION_CREDITS", "off")).enabledFor(5, 1)).isFalse();
        assertThat(CreditsConfig.fromEnvironment(Map.of("BASTION_CREDITS_FREE_ROLES", "")).freeRoles()).isEmpty();
        assertThatThrownBy(() -> CreditsConfig.fromEnvironment(Map.of("BASTION_CREDITS", "maybe")))
                .hasMessageContaining("BASTION_CREDITS must be on, off or auto");
        assertThatThrownBy(() -> CreditsConfig.fromEnvironment(Map.of("BASTION_CREDITS_RESERVATION_TTL_SECONDS", "-3")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
