package dev.bastion.engine.gguf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** llama.cpp's tensor names (gguf-py's tensor_mapping) and the Hugging Face names the engine's loaders ask for. */
public final class GgufTensorNames {

    /** llama.cpp's Llama 3 rope scaling: per-frequency divisors, read into the config rather than exposed as a tensor. */
    static final String ROPE_FREQS = "rope_freqs.weight";

    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");
    private static final Map<String, String> PER_LAYER = Map.ofEntries(
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));
    private static final Pattern LAYER = Pattern.compile("blk\\.(0|[1-9][0-9]{0,5})\\.([a-z_]+)\\.(weight|bias)");

    private GgufTensorNames() {}

    /** The Hugging Face name of a GGUF tensor; names this table does not know stay as they are. */
    public static String toHf(String gguf) {
        String global = GLOBAL.get(gguf);
        if (global != null) return global;
        Matcher m = LAYER.matcher(gguf);
        if (m.matches() && PER_LAYER.containsKey(m.group(2))) {
            return "model.layers." + m.group(1) + "." + PER_LAYER.get(m.group(2)) + "." + m.group(3);
        }
        return gguf;
    }

    /** The GGUF name of a Hugging Face tensor name, the inverse of {@link #toHf} (for exporters). */
    public static String fromHf(String hf) {
        for (Map.Entry<String, String> e : GLOBAL.entrySet()) if (e.getValue().equals(hf)) return e.getKey();
        Matcher m = Pattern.compile("model\\.layers\\.([0-9]+)\\.(.+)\\.(weight|bias)").matcher(hf);
        if (m.matches()) {
            for (Map.Entry<String, String> e : PER_LAYER.entrySet()) {
                if (e.getValue().equals(m.group(2))) return "blk." + m.group(1) + "." + e.getKey() + "." + m.group(3);
            }
        }
        return hf;
    }
}
