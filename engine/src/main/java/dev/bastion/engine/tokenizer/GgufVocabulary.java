package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A vocabulary as GGUF's {@code tokenizer.ggml.*} keys hold it, turned into the {@link Tokenizer} Hugging Face would
 * build for the same model (as transformers' GGUF converter does):
 * <ul>
 * <li>{@code gpt2}: byte-level BPE over {@code merges}, split first by the regex {@code tokenizer.ggml.pre} names;</li>
 * <li>{@code llama}: SentencePiece BPE with byte fallback ({@code <0xNN>} tokens). SentencePiece has no merge list: it
 * merges the adjacent pair whose concatenation is the vocabulary token of highest score, leftmost first on ties, as
 * llama.cpp's SPM tokenizer does; here every split of a token into two vocabulary tokens becomes a merge ranked by the
 * token's score, equal scores sharing a rank, which the BPE heap then resolves leftmost first.</li>
 * </ul>
 * Token types (llama.cpp's): 3 (control) become special added tokens, 4 (user-defined) non-special added tokens.
 *
 * @param model {@code tokenizer.ggml.model}
 * @param pre {@code tokenizer.ggml.pre}, or null
 * @param scores null unless {@code llama}
 * @param tokenTypes may be null
 * @param merges {@code "left right"} strings, null unless {@code gpt2}
 * @param unkId -1 when none
 */
public record GgufVocabulary(String model, String pre, String[] tokens, float[] scores, int[] tokenTypes, String[] merges,
                             int unkId, boolean addSpacePrefix) {

    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** llama.cpp's pre-tokenizer names (llama-vocab.cpp) that this builder reproduces. */
    public static final Set<String> SUPPORTED_PRE = Set.of("default", "gpt2", "llama-bpe", "llama3", "smaug-bpe", "qwen2",
            "deepseek-r1-qwen", "smollm", "starcoder");

    public GgufVocabulary {
        tokens = tokens.clone();
        scores = scores == null ? null : scores.clone();
        tokenTypes = tokenTypes == null ? null : tokenTypes.clone();
        merges = merges == null ? null : merges.clone();
        if (scores != null && scores.length != tokens.length) {
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries for " + tokens.length + " tokens");
        }
        if (tokenTypes != null && tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + tokenTypes.length + " entries for " + tokens.length + " tokens");
        }
    }

    public Tokenizer build() {
        return switch (model) {
            case "gpt2" -> gpt2();
            case "llama" -> sentencePiece();
            default -> throw new IllegalArgumentException("tokenizer.ggml.model '" + printable(model)
                    + "' is not supported (gpt2 and llama are)");
        };
    }

    private Tokenizer gpt2() {
        if (merges == null) throw new IllegalArgumentException("tokenizer.ggml.merges is missing (a gpt2 tokenizer needs it)");
        String preName = pre == null ? "default" : pre;
        if (!SUPPORTED_PRE.contains(preName)) {
            throw new IllegalArgumentException("tokenizer.ggml.pre '" + printable(preName) + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED_PRE.stream().sorted().toList()) + ")");
        }
        ObjectNode root = root(false);
        ArrayNode mergeList = root.with("model").putArray("merges");
        for (String merge : merges) mergeList.add(merge);
        ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", false);
        ObjectNode preTokenizer = root.putObject("pre_tokenizer");
        switch (preName) {
            case "llama-bpe", "llama3", "smaug-bpe" -> sequence(preTokenizer, split(LLAMA3_REGEX), byteLevel.put("use_regex", false));
            case "qwen2", "deepseek-r1-qwen" -> sequence(preTokenizer, split(QWEN2_REGEX), byteLevel.put("use_regex", false));
            case "smollm", "starcoder" -> sequence(preTokenizer,
                    JSON.createObjectNode().put("type", "Digits").put("individual_digits", true), byteLevel.put("use_regex", true));
            default -> preTokenizer.setAll(byteLevel.put("use_regex", true));
        }
        root.putObject("decoder").put("type", "ByteLevel");
        return new Tokenizer(root, null);
    }

    private Tokenizer sentencePiece() {
        if (scores == null) throw new IllegalArgumentException("tokenizer.ggml.scores is missing (a llama tokenizer needs it)");
        ObjectNode root = root(true);
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        if (addSpacePrefix) steps.addObject().put("type", "Prepend").put("prepend", "▁");
        steps.addObject().put("type", "Replace").<ObjectNode>set("pattern", JSON.createObjectNode().put("String", " "))
                .put("content", "▁");
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        decoders.addObject().put("type", "Replace").<ObjectNode>set("pattern", JSON.createObjectNode().put("String", "▁"))
                .put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        if (addSpacePrefix) decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        return new Tokenizer(root, scoreMerges());
    }

    /** Every way to split a normal token into two vocabulary tokens, ranked by the token's score (higher first). */
    private MergeTable scoreMerges() {
        Map<String, Integer> ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            if (mergeable(id)) ids.putIfAbsent(tokens[id], id);
        }
        float[] distinct = scores.clone();
        Arrays.sort(distinct);
        record Merge(int left, int right, int merged) {}
        List<Merge> found = new java.util.ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            String token = tokens[id];
            if (!mergeable(id) || ids.get(token) != id) continue;
            for (int i = token.offsetByCodePoints(0, 1); i < token.length(); i = token.offsetByCodePoints(i, 1)) {
                Integer left = ids.get(token.substring(0, i));
                Integer right = ids.get(token.substring(i));
                if (left != null && right != null) found.add(new Merge(left, right, id));
            }
        }
        MergeTable table = new MergeTable(found.size());
        for (Merge m : found) {
            // Rank: how many distinct scores are higher, so equal scores share a rank.
            int rank = distinct.length - upperBound(distinct, scores[m.merged]);
            table.put(m.left, m.right, rank, m.merged);
        }
        return table;
    }

    private static int upperBound(float[] sorted, float value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Float.compare(sorted[mid], value) <= 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private boolean mergeable(int id) {
        int type = tokenTypes == null ? 1 : tokenTypes[id];
        return type == 1 || type == 0 || type == 6;
    }

    /** The tokenizer.json skeleton: vocabulary, unk, byte fallback, and control/user-defined tokens as added tokens. */
    private ObjectNode root(boolean sentencePiece) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode modelNode = root.putObject("model").put("type", "BPE").put("byte_fallback", sentencePiece)
                .put("fuse_unk", sentencePiece);
        if (unkId >= 0 && unkId < tokens.length) modelNode.put("unk_token", tokens[unkId]);
        ObjectNode vocab = modelNode.putObject("vocab");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < tokens.length; id++) {
            if (!vocab.has(tokens[id])) vocab.put(tokens[id], id);
            int type = tokenTypes == null ? 1 : tokenTypes[id];
            if (type == CONTROL || type == USER_DEFINED) {
                added.addObject().put("id", id).put("content", tokens[id]).put("special", type == CONTROL);
            }
        }
        return root;
    }

    private static ObjectNode split(String regex) {
        ObjectNode split = JSON.createObjectNode().put("type", "Split").put("behavior", "Isolated").put("invert", false);
        split.putObject("pattern").put("Regex", regex);
        return split;
    }

    private static void sequence(ObjectNode target, ObjectNode... steps) {
        target.put("type", "Sequence");
        ArrayNode list = target.putArray("pretokenizers");
        for (ObjectNode step : steps) list.add(step);
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
