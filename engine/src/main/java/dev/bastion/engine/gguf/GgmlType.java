package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;

import java.util.Optional;

/** ggml's tensor type ids as GGUF stores them (ggml.h {@code enum ggml_type}), for the types Bastion reads. */
public final class GgmlType {

    private GgmlType() {}

    /** The storage type of a ggml type id, or empty if Bastion does not read it. */
    public static Optional<StorageType> storageType(long id) {
        return Optional.ofNullable(switch ((int) Math.min(id, Integer.MAX_VALUE)) {
            case 0 -> StorageType.F32;
            case 1 -> StorageType.F16;
            case 2 -> StorageType.Q4_0;
            case 8 -> StorageType.Q8_0;
            case 12 -> StorageType.Q4_K;
            case 13 -> StorageType.Q5_K;
            case 14 -> StorageType.Q6_K;
            case 30 -> StorageType.BF16;
            default -> null;
        });
    }

    /** The ggml type id of a storage type. */
    public static int id(StorageType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 8;
            case Q4_K -> 12;
            case Q5_K -> 13;
            case Q6_K -> 14;
            case BF16 -> 30;
        };
    }

    /** ggml's name for a type id, for error messages about types Bastion does not read. */
    static String name(long id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
                "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
                "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8",
                "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4"};
        return id >= 0 && id < names.length ? names[(int) id] : "unknown";
    }
}
