package dev.bastion.engine.safetensors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DtypesTest {

    @Test
    void bf16ConversionsMatchHandComputedBits() {
        assertThat(Dtypes.floatToBf16(1f)).isEqualTo((short) 0x3F80);
        assertThat(Dtypes.floatToBf16(-2f)).isEqualTo((short) 0xC000);
        // pi = 0x40490FDB: the dropped half 0x0FDB is below 0x8000, so it truncates to 0x4049.
        assertThat(Dtypes.floatToBf16((float) Math.PI)).isEqualTo((short) 0x4049);
        // 0x3F808000 is a tie with an even kept half: stays; 0x3F818000 is a tie with an odd one: rounds up.
        assertThat(Dtypes.floatToBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);
        assertThat(Dtypes.floatToBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);
        assertThat(Dtypes.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(Dtypes.bf16ToFloat((short) 0x4049)).isEqualTo(3.140625f);
        assertThat(Dtypes.bf16ToFloat((short) 0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void nanStaysNanInBf16() {
        float nanWithLowPayloadOnly = Float.intBitsToFloat(0x7F800001);
        assertThat(Dtypes.bf16ToFloat(Dtypes.floatToBf16(nanWithLowPayloadOnly))).isNaN();
        assertThat(Dtypes.bf16ToFloat(Dtypes.floatToBf16(Float.NaN))).isNaN();
    }

    @Test
    void f16UsesIeeeHalfPrecision() {
        assertThat(Dtypes.f16ToFloat((short) 0x3C00)).isEqualTo(1f);
        assertThat(Dtypes.f16ToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Dtypes.floatToF16(65520f)).isEqualTo((short) 0x7C00);
    }

    @Test
    void dtypeNamesAreStrict() {
        assertThat(DType.fromName("BF16")).isEqualTo(DType.BF16);
        assertThat(DType.F32.byteSize()).isEqualTo(4);
        assertThat(DType.F16.byteSize()).isEqualTo(2);
        assertThatThrownBy(() -> DType.fromName("F64")).hasMessageContaining("F64 is unsupported");
        assertThatThrownBy(() -> DType.fromName("I8")).hasMessageContaining("I8 is unsupported");
        assertThatThrownBy(() -> DType.fromName("f32")).hasMessageContaining("unknown dtype \"f32\"");
    }
}
