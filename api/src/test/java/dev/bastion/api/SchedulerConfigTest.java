package dev.bastion.api;

import dev.bastion.engine.generate.SessionCache;
import dev.bastion.engine.template.RenderLimits;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulerConfigTest {

    @Test
    void readsTheEnvironmentOverDefaults() {
        SchedulerConfig c = SchedulerConfig.fromEnvironment(Map.of("BASTION_NUM_PARALLEL", "3", "BASTION_MAX_MEMORY", "123456",
                "BASTION_KEEP_ALIVE", "1h"));
        assertThat(c.numParallel()).isEqualTo(3);
        assertThat(c.memoryBudgetBytes()).isEqualTo(123456);
        assertThat(c.defaultKeepAlive().duration()).isEqualTo(Duration.ofHours(1));
        SchedulerConfig d = SchedulerConfig.fromEnvironment(Map.of());
        assertThat(d.numParallel()).isEqualTo(1);
        assertThat(d.defaultKeepAlive()).isEqualTo(KeepAlive.DEFAULT);
        assertThat(d.memoryBudgetBytes()).isGreaterThanOrEqualTo(1L << 30);
    }

    @Test
    void readsTheKvCacheLimits() {
        SchedulerConfig c = SchedulerConfig.fromEnvironment(Map.of("BASTION_KV_CACHE_STATES", "2", "BASTION_KV_CACHE_MEMORY", "1048576"));
        assertThat(c.sessions()).isEqualTo(new SessionCache.Limits(2, 1 << 20));
        assertThat(SchedulerConfig.fromEnvironment(Map.of("BASTION_KV_CACHE_STATES", "0")).sessions().maxStates()).isZero();
        SessionCache.Limits defaults = SchedulerConfig.fromEnvironment(Map.of()).sessions();
        assertThat(defaults.maxStates()).isEqualTo(SessionCache.Limits.DEFAULT.maxStates());
        assertThat(defaults.maxBytes()).isPositive().isLessThanOrEqualTo(SessionCache.Limits.DEFAULT.maxBytes())
                .isLessThanOrEqualTo(Runtime.getRuntime().maxMemory() / 8);
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_KV_CACHE_STATES", "-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BASTION_KV_CACHE_STATES");
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_KV_CACHE_MEMORY", "lots")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BASTION_KV_CACHE_MEMORY");
    }

    @Test
    void rejectsNonsenseNamingTheVariable() {
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_NUM_PARALLEL", "0"))).hasMessageContaining("BASTION_NUM_PARALLEL");
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_NUM_PARALLEL", "many"))).hasMessageContaining("BASTION_NUM_PARALLEL");
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_MAX_MEMORY", "-1"))).hasMessageContaining("memory budget");
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_KEEP_ALIVE", "soon")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BASTION_KEEP_ALIVE").hasMessageContaining("soon");
    }

    @Test
    void embeddingCapsComeFromTheEnvironment() {
        assertThat(SchedulerConfig.fromEnvironment(Map.of()).embedLimits()).isEqualTo(EmbedLimits.DEFAULT);
        assertThat(SchedulerConfig.fromEnvironment(Map.of("BASTION_EMBED_MAX_INPUTS", "8", "BASTION_EMBED_MAX_TOKENS", "100"))
                .embedLimits()).isEqualTo(new EmbedLimits(8, 100));
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_EMBED_MAX_INPUTS", "0")))
                .hasMessageContaining("BASTION_EMBED_MAX_INPUTS");
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_EMBED_MAX_TOKENS", "lots")))
                .hasMessageContaining("BASTION_EMBED_MAX_TOKENS");
    }

    @Test
    void readsTheTemplateRenderLimits() {
        SchedulerConfig c = SchedulerConfig.fromEnvironment(Map.of("BASTION_TEMPLATE_TIMEOUT_MS", "1500",
                "BASTION_TEMPLATE_MAX_STEPS", "5000", "BASTION_TEMPLATE_CHARS_PER_TOKEN", "8"));
        assertThat(c.templateLimits()).isEqualTo(new RenderLimits(Duration.ofMillis(1500), 5000, 8));
        assertThat(SchedulerConfig.fromEnvironment(Map.of()).templateLimits()).isEqualTo(RenderLimits.DEFAULT);
        for (String name : new String[] {"BASTION_TEMPLATE_TIMEOUT_MS", "BASTION_TEMPLATE_MAX_STEPS", "BASTION_TEMPLATE_CHARS_PER_TOKEN"}) {
            for (String bad : new String[] {"0", "-5", "soon"}) {
                assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of(name, bad))).as(name + "=" + bad)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name).hasMessageContaining(bad);
            }
        }
        assertThatThrownBy(() -> SchedulerConfig.fromEnvironment(Map.of("BASTION_TEMPLATE_CHARS_PER_TOKEN", "99999999999")))
                .hasMessageContaining("BASTION_TEMPLATE_CHARS_PER_TOKEN");
    }
}
