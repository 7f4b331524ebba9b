package dev.bastion.engine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchitectureSupportTest {

    /** An architecture the engine names but cannot build would fail only when someone loads such a model. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyArchitectureIsRegisteredUnderItsHuggingFaceName(Architecture arch) {
        ArchitectureSupport support = ArchitectureSupport.forHfName(arch.hfName());
        assertThat(support.architecture()).isEqualTo(arch);
        assertThat(support.family()).isNotNull();
        assertThat(ArchitectureSupport.of(arch)).isSameAs(support);
    }

    @Test
    void quirksAreThoseTransformersReads() {
        assertThat(ArchitectureSupport.of(Architecture.QWEN2).defaultQkvBias()).isTrue();
        assertThat(ArchitectureSupport.of(Architecture.LLAMA).defaultQkvBias()).isFalse();
        assertThat(ArchitectureSupport.of(Architecture.MISTRAL).slidingWindow()).isEqualTo(ArchitectureSupport.SlidingWindow.ALWAYS);
        assertThat(ArchitectureSupport.of(Architecture.QWEN2).slidingWindow()).isEqualTo(ArchitectureSupport.SlidingWindow.WHEN_ENABLED);
        assertThat(ArchitectureSupport.of(Architecture.LLAMA).slidingWindow()).isEqualTo(ArchitectureSupport.SlidingWindow.NEVER);
    }

    @Test
    void anUnknownArchitectureIsRefusedListingTheSupportedOnes() {
        assertThatThrownBy(() -> ArchitectureSupport.forHfName("GemmaForCausalLM"))
                .hasMessage("unsupported architecture 'GemmaForCausalLM'; supported: LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM");
    }
}
