package dev.bastion.engine.format;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which ggml type each weight matrix gets when a model is quantized, named as Ollama's and llama.cpp's
 * {@code --quantize} levels. The rule follows llama.cpp's {@code llama_tensor_get_type} (without an importance matrix):
 * <ul>
 *   <li>the output projection ({@code lm_head}, or the embedding when it is tied) gets Q6_K for every level but Q8_0
 *       (Q8_0 when its rows are not whole 256-weight super-blocks);</li>
 *   <li>for Q4_K_M and Q5_K_M, {@code v_proj} (ggml's attn_v) and {@code down_proj} (ffn_down) get Q6_K in the layers
 *       where llama.cpp's {@code use_more_bits} holds: the first and last eighth, and every third layer between;</li>
 *   <li>every other matrix gets the level's base type;</li>
 *   <li>a K type whose rows are not whole super-blocks falls back to Q8_0 (llama.cpp picks Q5_0/Q5_1 there, which
 *       Bastion has no kernel for), and a matrix whose rows are not whole 32-weight blocks keeps its stored type;</li>
 *   <li>vectors (norms, biases) are never quantized.</li>
 * </ul>
 */
public enum QuantizationMix {
    Q8_0(StorageType.Q8_0, false, 7),
    Q4_0(StorageType.Q4_0, false, 2),
    Q4_K_M(StorageType.Q4_K, true, 15),
    Q5_K_M(StorageType.Q5_K, true, 17);

    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    private final StorageType base;
    private final boolean moreBitsForVAndDown;
    private final int llamaFileType;

    QuantizationMix(StorageType base, boolean moreBitsForVAndDown, int llamaFileType) {
        this.base = base;
        this.moreBitsForVAndDown = moreBitsForVAndDown;
        this.llamaFileType = llamaFileType;
    }

    /** llama.cpp's LLAMA_FTYPE number, GGUF's {@code general.file_type}. */
    public int llamaFileType() {
        return llamaFileType;
    }

    /** The type most matrices get. */
    public StorageType base() {
        return base;
    }

    /**
     * The type tensor {@code name} (a Hugging Face name) of {@code shape} gets in a model of {@code numLayers} layers;
     * {@code stored} when it stays as it is.
     */
    public StorageType typeFor(String name, long[] shape, StorageType stored, int numLayers, boolean tiedEmbeddings) {
        if (shape.length != 2) return stored;
        long cols = shape[1];
        StorageType wanted = base;
        boolean output = name.equals("lm_head.weight") || tiedEmbeddings && name.equals("model.embed_tokens.weight");
        if (output && this != Q8_0) {
            wanted = StorageType.Q6_K;
        } else if (moreBitsForVAndDown) {
            Matcher layer = LAYER.matcher(name);
            if (layer.matches() && (layer.group(2).equals("self_attn.v_proj.weight") || layer.group(2).equals("mlp.down_proj.weight"))
                    && useMoreBits(Integer.parseInt(layer.group(1)), numLayers)) {
                wanted = StorageType.Q6_K;
            }
        }
        if (cols % wanted.blockSize() != 0) wanted = StorageType.Q8_0;
        return cols % wanted.blockSize() == 0 ? wanted : stored;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** Ollama's spelling: {@code q4_K_M}. */
    public String ollamaName() {
        return name().toLowerCase(Locale.ROOT).replace("_k_m", "_K_M");
    }

    /**
     * Parses a level case-insensitively ({@code q4_k_m}, {@code Q4_K_M}).
     *
     * @throws IllegalArgumentException naming the supported levels
     */
    public static QuantizationMix parse(String value) {
        return Arrays.stream(values()).filter(m -> value != null && m.name().equalsIgnoreCase(value.strip())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unsupported quantization; supported: "
                        + String.join(", ", Arrays.stream(values()).map(m -> m.name().toLowerCase(Locale.ROOT)).toList())));
    }
}
