package dev.bastion.engine.safetensors;

import java.util.Set;

/** The tensor element types Bastion can load, named as in SafeTensors headers. */
public enum DType {
    F32(4), F16(2), BF16(2);

    /** Names the SafeTensors format defines but Bastion does not load, so errors can say "unsupported" rather than "unknown". */
    private static final Set<String> OTHER_FORMAT_NAMES = Set.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
            "I16", "U16", "I32", "U32", "F64", "I64", "U64", "C64");

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** @throws IllegalArgumentException naming the dtype if it is unknown or not supported */
    public static DType fromName(String name) {
        for (DType type : values()) {
            if (type.name().equals(name)) return type;
        }
        if (name != null && OTHER_FORMAT_NAMES.contains(name)) {
            throw new IllegalArgumentException("dtype " + name + " is unsupported (supported: F32, F16, BF16)");
        }
        throw new IllegalArgumentException("unknown dtype " + SafeTensorsException.quote(name) + " (supported: F32, F16, BF16)");
    }
}
