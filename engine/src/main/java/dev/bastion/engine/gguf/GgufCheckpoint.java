package dev.bastion.engine.gguf;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.format.TensorEntry;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.Dtypes;
import dev.bastion.engine.tokenizer.GgufVocabulary;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF model opened as a {@link Checkpoint}: the config from {@code general.architecture} and its {@code <arch>.*}
 * keys, llama.cpp's tensor names mapped to Hugging Face's, the tokenizer and chat template from {@code tokenizer.*}.
 * Tensors are used in place from the mapped file. Files of arch {@code llama} hold q/k rows permuted by llama.cpp's
 * converter for its adjacent-pair RoPE, so their config says {@link ModelConfig.RopeStyle#ADJACENT}; qwen2 files keep
 * Hugging Face's layout.
 */
public final class GgufCheckpoint implements Checkpoint {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ModelFormat format;
    private final Path path;
    private final GgufFile file;
    private final GgufMetadata metadata;
    private final ModelConfig config;
    /** Hugging Face name to GGUF name. */
    private final Map<String, String> ggufNames;
    private final Map<String, TensorEntry> tensors;
    private Tokenizer tokenizer;

    private GgufCheckpoint(ModelFormat format, Path path, GgufFile file) throws GgufException {
        this.format = format;
        this.path = path;
        this.file = file;
        this.metadata = new GgufMetadata(file.path(), file.metadata());
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (GgufTensor t : file.tensors().values()) {
            if (t.name().equals(GgufTensorNames.ROPE_FREQS)) continue;
            String hf = GgufTensorNames.toHf(t.name());
            if (names.putIfAbsent(hf, t.name()) != null) {
                throw new GgufException(file.path(), "tensors " + GgufException.quote(names.get(hf)) + " and "
                        + GgufException.quote(t.name()) + " are the same tensor");
            }
            entries.put(hf, new TensorEntry(hf, t.type(), t.shape()));
        }
        this.ggufNames = Collections.unmodifiableMap(names);
        this.tensors = Collections.unmodifiableMap(entries);
        this.config = readConfig();
    }

    /** Opens {@code gguf}, a .gguf file; {@code path} is what the caller named (the file or its directory). */
    public static GgufCheckpoint open(ModelFormat format, Path path, Path gguf) throws IOException {
        GgufFile file = GgufFile.open(gguf);
        try {
            return new GgufCheckpoint(format, path, file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Wraps {@code file}, already opened (e.g. decrypted into memory); on failure the caller still owns it. */
    public static GgufCheckpoint open(ModelFormat format, Path path, GgufFile file) throws IOException {
        return new GgufCheckpoint(format, path, file);
    }

    /** The underlying file, for callers that report its metadata ({@code /api/show}). */
    public GgufFile file() {
        return file;
    }

    private ModelConfig readConfig() throws GgufException {
        String arch = metadata.string("general.architecture");
        Architecture architecture;
        ModelConfig.RopeStyle rope;
        switch (arch) {
            case "llama" -> {
                architecture = Architecture.LLAMA;
                rope = ModelConfig.RopeStyle.ADJACENT;
            }
            case "qwen2" -> {
                architecture = Architecture.QWEN2;
                rope = ModelConfig.RopeStyle.HALVES;
            }
            default -> throw new GgufException(file.path(), "general.architecture " + GgufException.quote(arch)
                    + " is not supported (llama, qwen2)");
        }
        String p = arch + ".";
        String scaling = metadata.string(p + "rope.scaling.type", "none");
        if (!scaling.equals("none")) {
            throw new GgufException(file.path(), p + "rope.scaling.type " + GgufException.quote(scaling) + " is not supported");
        }
        int hidden = (int) metadata.integer(p + "embedding_length", 1, 1 << 20);
        int heads = (int) metadata.integer(p + "attention.head_count", 1, 4096);
        int kvHeads = metadata.integer(p + "attention.head_count_kv", 1, 4096, heads);
        int headDim = metadata.integer(p + "attention.key_length", 2, 4096, hidden / heads);
        TensorEntry embed = tensors.get("model.embed_tokens.weight");
        if (embed == null || embed.shape().length != 2) {
            throw new GgufException(file.path(), "tensor token_embd.weight is missing or not a matrix");
        }
        long vocab = embed.shape()[0];
        int bos = metadata.integer("tokenizer.ggml.bos_token_id", 0, Integer.MAX_VALUE, -1);
        List<Integer> eos = metadata.has("tokenizer.ggml.eos_token_id")
                ? List.of((int) metadata.integer("tokenizer.ggml.eos_token_id", 0, Integer.MAX_VALUE)) : List.of();
        try {
            return new ModelConfig(architecture, hidden, (int) metadata.integer(p + "feed_forward_length", 1, 1 << 22),
                    (int) metadata.integer(p + "block_count", 1, 1024), heads, kvHeads, headDim,
                    (int) Math.min(vocab, Integer.MAX_VALUE), metadata.integer(p + "context_length", 1, Integer.MAX_VALUE, 2048),
                    metadata.real(p + "attention.layer_norm_rms_epsilon", 1e-5f), metadata.real(p + "rope.freq_base", 10000f),
                    null, !tensors.containsKey("lm_head.weight"), tensors.containsKey("model.layers.0.self_attn.q_proj.bias"),
                    bos, eos, rope, ropeFreqFactors());
        } catch (IllegalArgumentException e) {
            throw new GgufException(file.path(), e.getMessage().replace("config.json", "GGUF metadata"));
        }
    }

    private float[] ropeFreqFactors() throws GgufException {
        GgufTensor t = file.tensors().get(GgufTensorNames.ROPE_FREQS);
        if (t == null) return null;
        if (t.dims().length != 1 || t.type() != StorageType.F32 || t.elements() > 4096) {
            throw new GgufException(file.path(), "tensor " + GgufTensorNames.ROPE_FREQS + " must be a short F32 vector");
        }
        return file.data(t.name()).toArray(F32);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public ModelFormat format() {
        return format;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public synchronized Tokenizer tokenizer() throws IOException {
        if (tokenizer != null) return tokenizer;
        String model = metadata.string("tokenizer.ggml.model");
        String[] tokens = metadata.strings("tokenizer.ggml.tokens");
        try {
            tokenizer = new GgufVocabulary(model, metadata.string("tokenizer.ggml.pre", null), tokens,
                    metadata.has("tokenizer.ggml.scores") ? metadata.floats("tokenizer.ggml.scores") : null,
                    metadata.has("tokenizer.ggml.token_type") ? metadata.ints("tokenizer.ggml.token_type") : null,
                    metadata.has("tokenizer.ggml.merges") ? metadata.strings("tokenizer.ggml.merges") : null,
                    metadata.integer("tokenizer.ggml.unknown_token_id", 0, tokens.length - 1, -1),
                    metadata.bool("tokenizer.ggml.add_space_prefix", true)).build();
        } catch (IllegalArgumentException e) {
            throw new GgufException(file.path(), e.getMessage());
        }
        return tokenizer;
    }

    @Override
    public TokenizerConfig tokenizerConfig() throws IOException {
        String[] tokens = metadata.strings("tokenizer.ggml.tokens");
        String model = metadata.string("tokenizer.ggml.model", "");
        // llama.cpp's defaults when the key is absent: SentencePiece vocabularies add BOS, BPE ones do not.
        boolean addBos = metadata.bool("tokenizer.ggml.add_bos_token", model.equals("llama"));
        return new TokenizerConfig(token(tokens, "tokenizer.ggml.bos_token_id"), token(tokens, "tokenizer.ggml.eos_token_id"),
                addBos, metadata.string("tokenizer.chat_template", null));
    }

    private String token(String[] tokens, String key) throws GgufException {
        if (!metadata.has(key)) return null;
        return tokens[(int) metadata.integer(key, 0, tokens.length - 1)];
    }

    /** End-of-turn and end-of-message tokens (llama.cpp's eot/eom), which generation stops at beside EOS. */
    @Override
    public Set<Integer> generationEosTokenIds() throws IOException {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String key : List.of("tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
            if (metadata.has(key)) ids.add((int) metadata.integer(key, 0, config.vocabSize() - 1));
        }
        return ids;
    }

    @Override
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    @Override
    public MemorySegment data(String name) {
        return file.data(ggufName(name));
    }

    @Override
    public float[] readFloats(String name) {
        TensorEntry entry = tensors.get(name);
        MemorySegment bytes = data(name);
        long count = entry.elements();
        if (count > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + " is too large to read as floats");
        float[] out = new float[(int) count];
        switch (entry.type()) {
            case F32 -> MemorySegment.copy(bytes, F32, 0, out, 0, out.length);
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Dtypes.f16ToFloat(bytes.getAtIndex(HALF, i));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Dtypes.bf16ToFloat(bytes.getAtIndex(HALF, i));
            }
            default -> throw new IllegalArgumentException(path.getFileName() + ": tensor " + ggufName(name) + " is stored as "
                    + entry.type() + "; norms and biases must be F32, F16 or BF16");
        }
        return out;
    }

    private String ggufName(String hf) {
        String name = ggufNames.get(hf);
        if (name == null) throw new IllegalArgumentException(path.getFileName() + ": no tensor named " + GgufException.quote(hf));
        return name;
    }

    @Override
    public void close() {
        file.close();
    }
}
