package dev.bastion.engine.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One metadata value. Scalars: integers as {@link Long} (a UINT64 above 2^63-1 wraps negative), FLOAT32 as
 * {@link Float}, FLOAT64 as {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}. Arrays: a primitive
 * array of the element type's width ({@code byte[]} for (U)INT8 and BOOL as 0/1, {@code short[]}, {@code int[]},
 * {@code long[]}, {@code float[]}, {@code double[]}) or a {@code String[]}; unsigned elements keep their bits.
 *
 * @param elementType the element type of an array, else null
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if ((type == GgufValueType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("an array, and only an array, has an element type");
        }
        if (elementType == GgufValueType.ARRAY) throw new IllegalArgumentException("nested arrays are not supported");
        Class<?> expected = type == GgufValueType.ARRAY ? arrayClass(elementType) : scalarClass(type);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + (elementType == null ? "" : " of " + elementType) + " needs a "
                    + expected.getSimpleName() + ", got " + value.getClass().getSimpleName());
        }
    }

    public static GgufValue of(String value) {
        return new GgufValue(GgufValueType.STRING, null, value);
    }

    public static GgufValue uint32(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) throw new IllegalArgumentException("not a uint32: " + value);
        return new GgufValue(GgufValueType.UINT32, null, value);
    }

    public static GgufValue int32(int value) {
        return new GgufValue(GgufValueType.INT32, null, (long) value);
    }

    public static GgufValue uint64(long value) {
        return new GgufValue(GgufValueType.UINT64, null, value);
    }

    public static GgufValue float32(float value) {
        return new GgufValue(GgufValueType.FLOAT32, null, value);
    }

    public static GgufValue bool(boolean value) {
        return new GgufValue(GgufValueType.BOOL, null, value);
    }

    public static GgufValue strings(List<String> values) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, values.toArray(String[]::new));
    }

    public static GgufValue float32s(float[] values) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, values.clone());
    }

    public static GgufValue int32s(int[] values) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, values.clone());
    }

    /** The number of elements of an array value. */
    public int length() {
        if (type != GgufValueType.ARRAY) throw new IllegalStateException(type + " is not an array");
        return java.lang.reflect.Array.getLength(value);
    }

    static Class<?> scalarClass(GgufValueType type) {
        return switch (type) {
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> throw new IllegalArgumentException("ARRAY is not a scalar");
            default -> Long.class;
        };
    }

    static Class<?> arrayClass(GgufValueType element) {
        return switch (element) {
            case UINT8, INT8, BOOL -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case STRING -> String[].class;
            case ARRAY -> throw new IllegalArgumentException("nested arrays are not supported");
        };
    }

    @Override
    public String toString() {
        if (type != GgufValueType.ARRAY) return type + " " + value;
        return "ARRAY of " + length() + " " + elementType;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {type, elementType, value});
    }
}
