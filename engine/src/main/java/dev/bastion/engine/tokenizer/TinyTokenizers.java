package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small but real tokenizer.json files for generated test models: merges are learned deterministically at class load
 * from a built-in English and code sample, so the tokenizers compress text like real ones do.
 */
public final class TinyTokenizers {

    /** 256 byte tokens, 253 merges, then {@code <|endoftext|>}, {@code <|im_start|>}, {@code <|im_end|>}. */
    public static final int BYTE_LEVEL_VOCAB_SIZE = 512;
    /** {@code <unk>}, {@code <s>}, {@code </s>}, 256 byte tokens, the sample's characters, then merged pieces. */
    public static final int SENTENCE_PIECE_VOCAB_SIZE = 512;

    /** The Llama 3 / Qwen2 split regex. */
    public static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final String CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final String LLAMA2_TEMPLATE = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
            + "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    private static final String SAMPLE = """
            The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.
            Once upon a time there was a little girl who lived in a village near the forest. Whenever she went out,
            the little girl wore a red riding cloak, so everyone in the village called her Little Red Riding Hood.
            It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.
            What is the capital of France? The capital of France is Paris. What is two plus two? Two plus two is four.
            I'm sure you'll see that we've done it, and they're happy that it's working. Don't worry, it'd be fine.
            public static int add(int a, int b) {
                return a + b;
            }
            for (int i = 0; i < 10; i++) {
                System.out.println("Hello, world! " + i);
            }
            def greet(name):
                print(f"Hello, {name}!")
                return len(name) * 2
            if __name__ == "__main__":
                greet("world")
            The year 2024 had 366 days; 1,000,000 is one million and 3.14159 is pi.
            """;

    private static final String BYTE_LEVEL_JSON;
    private static final String SENTENCE_PIECE_JSON;
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        BYTE_LEVEL_JSON = buildByteLevel();
        SENTENCE_PIECE_JSON = buildSentencePiece();
    }

    private TinyTokenizers() {}

    public static String byteLevelJson() {
        return BYTE_LEVEL_JSON;
    }

    public static String sentencePieceJson() {
        return SENTENCE_PIECE_JSON;
    }

    public static String byteLevelConfigJson() {
        return config("<|endoftext|>", "<|im_end|>", false, CHATML_TEMPLATE);
    }

    public static String sentencePieceConfigJson() {
        return config("<s>", "</s>", true, LLAMA2_TEMPLATE);
    }

    private static String config(String bos, String eos, boolean addBos, String template) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("bos_token", bos);
        root.put("eos_token", eos);
        root.put("add_bos_token", addBos);
        root.put("add_eos_token", false);
        root.put("chat_template", template);
        return root.toPrettyString();
    }

    private static String buildByteLevel() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String c : ByteLevelAlphabet.gpt2Order()) vocab.put(c, vocab.size());
        Map<List<String>, Integer> words = new HashMap<>();
        Matcher m = Pattern.compile(LLAMA3_REGEX, Pattern.UNICODE_CHARACTER_CLASS).matcher(SAMPLE);
        while (m.find()) words.merge(symbols(ByteLevelAlphabet.encode(m.group())), 1, Integer::sum);
        List<String[]> merges = learnMerges(words, vocab, BYTE_LEVEL_VOCAB_SIZE - 3);

        ObjectNode root = root();
        ArrayNode added = root.putArray("added_tokens");
        for (String token : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")) {
            addedToken(added, vocab.size(), token);
            vocab.put(token, vocab.size());
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", LLAMA3_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        ObjectNode model = model(root, vocab, merges);
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        return write(root);
    }

    private static String buildSentencePiece() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String token : List.of("<unk>", "<s>", "</s>")) vocab.put(token, vocab.size());
        for (int b = 0; b < 256; b++) vocab.put(String.format("<0x%02X>", b), vocab.size());
        String normalized = "▁" + SAMPLE.replace(" ", "▁");
        // Newlines and other controls stay out of the pieces, so they exercise byte fallback.
        TreeSet<Integer> chars = new TreeSet<>();
        normalized.codePoints().filter(c -> !Character.isISOControl(c)).forEach(chars::add);
        for (int c : chars) vocab.put(Character.toString(c), vocab.size());
        Map<List<String>, Integer> words = new HashMap<>();
        for (String line : normalized.split("\n")) {
            for (String word : PreTokenizers.splitEach(List.of(line), Pattern.compile("▁"), "MergedWithNext", false)) {
                words.merge(symbols(word), 1, Integer::sum);
            }
        }
        List<String[]> merges = learnMerges(words, vocab, SENTENCE_PIECE_VOCAB_SIZE);

        ObjectNode root = root();
        ArrayNode added = root.putArray("added_tokens");
        for (String token : List.of("<unk>", "<s>", "</s>")) addedToken(added, vocab.get(token), token);
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", "▁");
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "▁");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode space = decoders.addObject().put("type", "Replace");
        space.putObject("pattern").put("String", "▁");
        space.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = model(root, vocab, merges);
        model.put("unk_token", "<unk>");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        return write(root);
    }

    /** Greedy BPE training: merge the most frequent pair (ties: lexicographically first) until the vocab is full. */
    private static List<String[]> learnMerges(Map<List<String>, Integer> words, Map<String, Integer> vocab, int targetSize) {
        List<List<String>> symbols = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        words.forEach((w, c) -> {
            symbols.add(new ArrayList<>(w));
            counts.add(c);
        });
        List<String[]> merges = new ArrayList<>();
        while (vocab.size() < targetSize) {
            Map<String, Integer> pairCounts = new HashMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                List<String> s = symbols.get(w);
                for (int i = 0; i + 1 < s.size(); i++) pairCounts.merge(s.get(i) + " " + s.get(i + 1), counts.get(w), Integer::sum);
            }
            String best = null;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                String candidate = e.getKey();
                if (vocab.containsKey(candidate.replace(" ", ""))) continue;
                if (best == null || e.getValue() > pairCounts.get(best)
                        || (e.getValue().equals(pairCounts.get(best)) && candidate.compareTo(best) < 0)) best = candidate;
            }
            if (best == null) throw new IllegalStateException("sample text too small for " + targetSize + " tokens");
            String[] pair = best.split(" ");
            String merged = pair[0] + pair[1];
            merges.add(pair);
            vocab.put(merged, vocab.size());
            for (List<String> s : symbols) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(pair[0]) && s.get(i + 1).equals(pair[1])) {
                        s.set(i, merged);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    private static List<String> symbols(String word) {
        return word.codePoints().mapToObj(Character::toString).toList();
    }

    private static ObjectNode root() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        return root;
    }

    private static void addedToken(ArrayNode added, int id, String content) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
    }

    private static ObjectNode model(ObjectNode root, Map<String, Integer> vocab, List<String[]> merges) {
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        ArrayNode mergeNode = model.putArray("merges");
        for (String[] pair : merges) mergeNode.addArray().add(pair[0]).add(pair[1]);
        return model;
    }

    private static String write(ObjectNode root) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
