package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;

import java.util.EnumMap;
import java.util.Map;

/** A GGUF file's quantization as Ollama and llama.cpp name it ({@code Q4_K_M}, {@code Q8_0}, {@code F16}). */
public final class GgufFileType {

    /** llama.cpp's {@code llama_ftype} values (llama.h), the {@code general.file_type} key, by value. */
    private static final Map<Long, String> FTYPES = Map.ofEntries(
            Map.entry(0L, "F32"), Map.entry(1L, "F16"), Map.entry(2L, "Q4_0"), Map.entry(3L, "Q4_1"),
            Map.entry(7L, "Q8_0"), Map.entry(8L, "Q5_0"), Map.entry(9L, "Q5_1"), Map.entry(10L, "Q2_K"),
            Map.entry(11L, "Q3_K_S"), Map.entry(12L, "Q3_K_M"), Map.entry(13L, "Q3_K_L"), Map.entry(14L, "Q4_K_S"),
            Map.entry(15L, "Q4_K_M"), Map.entry(16L, "Q5_K_S"), Map.entry(17L, "Q5_K_M"), Map.entry(18L, "Q6_K"),
            Map.entry(32L, "BF16"));
    public static final String KEY = "general.file_type";

    private GgufFileType() {}

    /** The {@code general.file_type} value for a name, for writers ({@code Q4_K_M} is 15); -1 if unknown. */
    public static long value(String name) {
        return FTYPES.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(name)).mapToLong(Map.Entry::getKey)
                .findFirst().orElse(-1);
    }

    /**
     * The name {@code general.file_type} gives, else the storage type holding most of the matrices' weights (a file
     * written without the key).
     */
    public static String of(GgufFile file) {
        GgufValue declared = file.metadata().get(KEY);
        if (declared != null && declared.type().isInteger()) {
            String name = FTYPES.get((Long) declared.value());
            if (name != null) return name;
        }
        Map<StorageType, Long> weights = new EnumMap<>(StorageType.class);
        for (GgufTensor t : file.tensors().values()) {
            if (t.dims().length >= 2) weights.merge(t.type(), t.elements(), Long::sum);
        }
        return weights.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse("unknown");
    }
}
