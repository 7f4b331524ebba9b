package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.JsonErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A BPE tokenizer read from a Hugging Face {@code tokenizer.json}, behaving like HF {@code tokenizers}:
 * byte-level BPE (GPT-2, Llama 3, Qwen2) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral).
 * Immutable and thread-safe.
 */
public final class Tokenizer {

    /** Guards against absurd ids that would make the id table huge. */
    private static final int MAX_ID = 16_777_216;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BpeModel model;
    private final AddedTokens addedTokens;
    private final UnaryOperator<String> normalizer;
    private final PreTokenizers.PreTokenizer preTokenizer;
    private final Decoders.Decoder decoder;
    private final String[] idToToken;
    private final boolean[] special;
    private final Map<String, Integer> tokenToId;
    private final OptionalInt bosToAdd;
    /** Ids of {@code <0xNN>} tokens when the decoder has a ByteFallback step. */
    private final boolean[] fallbackByte;
    /** The decoder maps tokens to bytes through GPT-2's alphabet (tokens may hold parts of a character). */
    private final boolean byteLevel;

    private Tokenizer(JsonNode root) {
        this(root, null);
    }

    /** @param builtMerges merges built by the caller (GGUF SentencePiece scores), used instead of model.merges */
    Tokenizer(JsonNode root, MergeTable builtMerges) {
        if (!root.isObject()) throw new IllegalArgumentException("tokenizer.json: expected a JSON object at the top level");
        JsonNode modelNode = root.get("model");
        if (modelNode == null || !modelNode.isObject()) throw new IllegalArgumentException("tokenizer.json: missing \"model\" object");
        String type = modelNode.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("model.type: '" + type + "' is not supported (only BPE)");
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            JsonNode value = modelNode.get(affix);
            if (value != null && !value.isNull() && !value.asText().isEmpty()) {
                throw new IllegalArgumentException("model." + affix + ": " + value + " is not supported (only null or \"\")");
            }
        }
        Map<String, Integer> vocab = readVocab(modelNode);
        List<AddedTokens.AddedToken> added = readAddedTokens(root);

        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        for (AddedTokens.AddedToken t : added) maxId = Math.max(maxId, t.id());
        idToToken = new String[maxId + 1];
        special = new boolean[maxId + 1];
        tokenToId = new HashMap<>(vocab);
        vocab.forEach((token, id) -> {
            if (idToToken[id] != null) {
                throw new IllegalArgumentException("model.vocab: id " + id + " is used by both '" + idToToken[id] + "' and '" + token + "'");
            }
            idToToken[id] = token;
        });
        for (AddedTokens.AddedToken t : added) {
            idToToken[t.id()] = t.content();
            special[t.id()] = t.special();
            tokenToId.put(t.content(), t.id());
        }

        model = new BpeModel(vocab, builtMerges != null ? builtMerges : readMerges(modelNode, vocab), unkId(modelNode),
                modelNode.path("byte_fallback").asBoolean(false),
                modelNode.path("fuse_unk").asBoolean(false),
                modelNode.path("ignore_merges").asBoolean(false));
        addedTokens = new AddedTokens(added);
        normalizer = Normalizers.of(root.get("normalizer"), "normalizer");
        preTokenizer = PreTokenizers.of(root.get("pre_tokenizer"), "pre_tokenizer");
        decoder = Decoders.of(root.get("decoder"), "decoder");
        bosToAdd = findBos(root.get("post_processor"));
        byteLevel = hasDecoderStep(root.get("decoder"), "ByteLevel");
        fallbackByte = new boolean[idToToken.length];
        if (hasDecoderStep(root.get("decoder"), "ByteFallback")) {
            for (int id = 0; id < idToToken.length; id++) fallbackByte[id] = idToToken[id] != null && Decoders.byteToken(idToToken[id]) >= 0;
        }
    }

    /**
     * Reads a tokenizer.json.
     *
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException when its content is malformed or unsupported; the message starts with the path
     */
    public static Tokenizer load(Path tokenizerJson) throws IOException {
        return load(tokenizerJson, Files.readString(tokenizerJson));
    }

    /** Parses {@code json}, a tokenizer.json that messages call {@code tokenizerJson}. */
    public static Tokenizer load(Path tokenizerJson, String json) {
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    public static Tokenizer fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tokenizer.json is " + JsonErrors.describe(e), e);
        }
        if (root == null || root.isMissingNode()) throw new IllegalArgumentException("tokenizer.json is empty");
        return new Tokenizer(root);
    }

    /** Ids for {@code text}; added tokens in it are honoured. No BOS is added (see {@link #bosTokenToAdd()}). */
    public int[] encode(String text) {
        text = replaceLoneSurrogates(text);
        IntList ids = new IntList(text.length() / 3 + 4);
        for (AddedTokens.Segment segment : addedTokens.split(text)) {
            if (segment.id() >= 0) {
                ids.add(segment.id());
                continue;
            }
            String normalized = normalizer.apply(segment.text());
            for (String word : preTokenizer.split(List.of(normalized), segment.start() == 0)) model.encode(word, ids);
        }
        return ids.toArray();
    }

    /**
     * A Java string (e.g. from a JSON "\\ud83d" escape) may hold a surrogate without its pair, which is no character
     * and has no UTF-8. Like the WHATWG encoder (and transformers.js) it becomes U+FFFD rather than the '?' that
     * {@code String.getBytes} would silently give; HF's Rust library never sees one, as Rust strings are valid UTF-8.
     */
    static String replaceLoneSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) out.append(c).append(text.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) out = new StringBuilder(text.length()).append(text, 0, i);
                out.append(Decoders.REPLACEMENT_CHAR);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** The text of {@code ids}, special tokens included (HF's default). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids} through the tokenizer's decoder; invalid UTF-8 becomes U+FFFD.
     *
     * @throws IllegalArgumentException for an id outside [0, vocabSize())
     */
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            if (skipSpecial && special[id]) continue;
            if (idToToken[id] != null) tokens.add(idToToken[id]);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    /** A decoder for one generation: its pieces concatenate to {@link #decode(int[])} of all ids. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** Max id + 1, including added tokens. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** The id of a vocabulary or added token, given by its exact text (e.g. "<|im_end|>", "Ġthe"). */
    public OptionalInt tokenId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token's text as stored in tokenizer.json (byte-level tokens in GPT-2's alphabet); null for an unused id. */
    public String tokenText(int id) {
        checkId(id);
        return idToToken[id];
    }

    /**
     * The bytes {@code id} adds to a generated text after other tokens (so without a decoder's strip of the first
     * token's leading space); null for special added tokens and unused ids, which write no text of their own.
     * What a grammar constraint matches tokens by.
     */
    public byte[] tokenBytes(int id) {
        checkId(id);
        String token = idToToken[id];
        if (token == null || special[id]) return null;
        if (fallbackByte[id]) return new byte[] {(byte) Decoders.byteToken(token)};
        if (byteLevel) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ByteLevelAlphabet.decodeInto(token, out);
            return out.toByteArray();
        }
        // After an anchor token, decoders that treat the first token differently (strip, metaspace) treat this one as any other.
        String anchored = String.join("", decoder.decodeChain(List.of("a", token)));
        String anchor = String.join("", decoder.decodeChain(List.of("a")));
        String text = anchored.startsWith(anchor) ? anchored.substring(anchor.length()) : anchored;
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Whether the id is an added token marked {@code special} (skipped by {@code decode(ids, true)}). */
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    /** The BOS the post_processor would add to a single sequence, if any. */
    public OptionalInt bosTokenToAdd() {
        return bosToAdd;
    }

    boolean isFallbackByte(int id) {
        return fallbackByte[id];
    }

    private static boolean hasDecoderStep(JsonNode decoder, String type) {
        if (decoder == null || decoder.isNull()) return false;
        if (type.equals(decoder.path("type").asText())) return true;
        for (JsonNode step : decoder.path("decoders")) if (hasDecoderStep(step, type)) return true;
        return false;
    }

    void checkId(int id) {
        if (id < 0 || id >= idToToken.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + idToToken.length + ")");
        }
    }

    private static Map<String, Integer> readVocab(JsonNode modelNode) {
        JsonNode vocabNode = modelNode.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw new IllegalArgumentException("model.vocab: expected an object of token → id but found " + TokenizerJson.describe(vocabNode));
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), checkedId(e.getValue(), "model.vocab['" + e.getKey() + "']"));
        }
        return vocab;
    }

    private static int checkedId(JsonNode value, String where) {
        int id = TokenizerJson.id(value, where);
        if (id > MAX_ID) throw new IllegalArgumentException(where + ": id " + id + " is larger than " + MAX_ID);
        return id;
    }

    private static List<AddedTokens.AddedToken> readAddedTokens(JsonNode root) {
        List<AddedTokens.AddedToken> out = new ArrayList<>();
        JsonNode list = root.get("added_tokens");
        if (list == null || list.isNull()) return out;
        if (!list.isArray()) throw new IllegalArgumentException("added_tokens: expected an array but found " + TokenizerJson.describe(list));
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String where = "added_tokens[" + i + "]";
            out.add(new AddedTokens.AddedToken(checkedId(t.get("id"), where + ".id"), TokenizerJson.text(t, "content", where),
                    t.path("special").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
        }
        return out;
    }

    private static MergeTable readMerges(JsonNode modelNode, Map<String, Integer> vocab) {
        JsonNode list = modelNode.get("merges");
        if (list == null || list.isNull()) return new MergeTable(0);
        if (!list.isArray()) throw new IllegalArgumentException("model.merges: expected an array but found " + TokenizerJson.describe(list));
        MergeTable merges = new MergeTable(list.size());
        for (int rank = 0; rank < list.size(); rank++) {
            String where = "model.merges[" + rank + "]";
            String[] pair = mergePair(list.get(rank), where);
            int left = vocabId(vocab, pair[0], where);
            int right = vocabId(vocab, pair[1], where);
            int merged = vocabId(vocab, pair[0] + pair[1], where);
            merges.put(left, right, rank, merged);
        }
        return merges;
    }

    private static String[] mergePair(JsonNode merge, String where) {
        if (merge.isTextual()) {
            String[] parts = merge.asText().split(" ", -1);
            if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) return parts;
        } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new String[] {merge.get(0).asText(), merge.get(1).asText()};
        }
        throw new IllegalArgumentException(where + ": expected \"left right\" or [\"left\", \"right\"] but found " + TokenizerJson.describe(merge));
    }

    private static int vocabId(Map<String, Integer> vocab, String token, String where) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException(where + ": token '" + token + "' is not in model.vocab");
        return id;
    }

    private Integer unkId(JsonNode modelNode) {
        JsonNode unk = modelNode.get("unk_token");
        if (unk == null || unk.isNull()) return null;
        Integer id = tokenToId.get(unk.asText());
        if (id == null) throw new IllegalArgumentException("model.unk_token: '" + unk.asText() + "' is not in the vocabulary");
        return id;
    }

    private OptionalInt findBos(JsonNode processor) {
        if (processor == null || processor.isNull()) return OptionalInt.empty();
        switch (processor.path("type").asText()) {
            case "Sequence" -> {
                for (JsonNode p : processor.path("processors")) {
                    OptionalInt bos = findBos(p);
                    if (bos.isPresent()) return bos;
                }
            }
            case "TemplateProcessing" -> {
                JsonNode first = processor.path("single").path(0);
                if (first.has("SpecialToken")) {
                    String name = first.get("SpecialToken").path("id").asText();
                    JsonNode ids = processor.path("special_tokens").path(name).path("ids");
                    if (ids.isArray() && !ids.isEmpty()) return OptionalInt.of(checkedId(ids.get(0), "post_processor.special_tokens['" + name + "'].ids[0]"));
                    return tokenId(name);
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                JsonNode cls = processor.path("cls");
                if (cls.isArray() && cls.size() == 2) return OptionalInt.of(checkedId(cls.get(1), "post_processor.cls[1]"));
            }
            default -> { }
        }
        return OptionalInt.empty();
    }

    @Override
    public String toString() {
        return "Tokenizer[vocabSize=" + vocabSize() + "]";
    }
}
