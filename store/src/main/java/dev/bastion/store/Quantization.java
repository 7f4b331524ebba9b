package dev.bastion.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.WeightFormat;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a stored model's weights are held in memory once loaded, named as Ollama's {@code --quantize} names them. This
 * is applied at load, not stored: the blobs stay the original SafeTensors (their digests stay verifiable; e.g. stored
 * BF16, applied Q8_0), and the engine quantizes them when it loads them.
 */
public enum Quantization {
    Q8_0(WeightFormat.Q8_0, StorageType.Q8_0);

    private final WeightFormat weightFormat;
    private final StorageType applied;

    Quantization(WeightFormat weightFormat, StorageType applied) {
        this.weightFormat = weightFormat;
        this.applied = applied;
    }

    /** The storage type the weight matrices have in memory once loaded. */
    public StorageType applied() {
        return applied;
    }

    public WeightFormat weightFormat() {
        return weightFormat;
    }

    /** The load format of a model recording {@code quantization}, or none (null). */
    public static WeightFormat weightFormat(Quantization quantization) {
        return quantization == null ? WeightFormat.AS_STORED : quantization.weightFormat;
    }

    /** As Ollama writes it: {@code Q8_0}. */
    @JsonValue
    public String level() {
        return name();
    }

    /**
     * Parses a {@code --quantize} value case-insensitively ({@code q8_0}, {@code Q8_0}).
     *
     * @throws IllegalArgumentException naming the value and the supported ones
     */
    @JsonCreator
    public static Quantization parse(String value) {
        String printable = value == null ? "null" : ModelName.printable(value);
        return Arrays.stream(values()).filter(q -> value != null && q.name().equalsIgnoreCase(value.strip())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unsupported quantization '" + printable + "'; supported: "
                        + String.join(", ", Arrays.stream(values()).map(q -> q.name().toLowerCase(Locale.ROOT)).toList())));
    }
}
