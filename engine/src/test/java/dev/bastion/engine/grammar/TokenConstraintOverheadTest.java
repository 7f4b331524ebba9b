package dev.bastion.engine.grammar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The constraint's cost per generated token on a 32k-token byte-level vocabulary shaped like a real one (words with
 * and without a leading space, digits, JSON punctuation runs, multi-byte characters), and that its masks are exactly
 * the tokens whose bytes keep the output a prefix (checked token by token against the matcher).
 */
class TokenConstraintOverheadTest {

    private static final int VOCAB = 32_000;
    private static final int EOS = VOCAB;
    private static Tokenizer tokenizer;
    private static TokenTrie trie;

    @BeforeAll
    static void vocabulary() {
        tokenizer = Tokenizer.fromJson(syntheticByteLevelTokenizer(VOCAB));
        trie = TokenTrie.of(tokenizer);
    }

    @Test
    void masksAreExactlyTheTokensThatKeepAPrefix() throws Exception {
        Grammar grammar = JsonSchemaGrammar.compile(resource("spring-ai-required-nested.json"));
        TokenConstraint constraint = new TokenConstraint(grammar, trie, Set.of(EOS));
        GrammarMatcher reference = new GrammarMatcher(grammar);
        Random random = new Random(7);
        StringBuilder out = new StringBuilder();
        for (int step = 0; step < 40; step++) {
            long[] mask = constraint.allowedTokens();
            GrammarMatcher.State here = reference.step(reference.start(), out.toString().getBytes(StandardCharsets.UTF_8));
            for (int id = 0; id < VOCAB; id++) {
                byte[] bytes = tokenizer.tokenBytes(id);
                boolean expected = bytes != null && bytes.length > 0 && !reference.isDead(reference.step(here, bytes));
                assertThat((mask[id >>> 6] & (1L << (id & 63))) != 0).as("token %d at %s", id, out).isEqualTo(expected);
            }
            int token = pick(mask, random);
            if (token == EOS) break;
            constraint.accept(token);
            out.append(new String(tokenizer.tokenBytes(token), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anEndTokenWithTextIsAllowedOnlyOnceTheOutputIsComplete() throws Exception {
        int quote = tokenizer.tokenId(gpt2("\"".getBytes(StandardCharsets.UTF_8))).orElseThrow();
        int brace = tokenizer.tokenId(gpt2("}".getBytes(StandardCharsets.UTF_8))).orElseThrow();
        // A vocabulary whose end token is an ordinary piece of text (as "</s>" is in some): here the quote.
        TokenConstraint constraint = new TokenConstraint(JsonSchemaGrammar.compile(new ObjectMapper().readTree("{\"properties\":{\"a\":{\"type\":\"string\"}}}")),
                trie, Set.of(quote));
        assertThat(bit(constraint.allowedTokens(), quote)).isFalse();
        constraint.accept(tokenizer.tokenId(gpt2("{".getBytes(StandardCharsets.UTF_8))).orElseThrow());
        assertThat(bit(constraint.allowedTokens(), brace)).isTrue();
        assertThat(bit(constraint.allowedTokens(), quote)).as("the grammar would take a key here, but it would end the output").isFalse();
        constraint.accept(brace);
        assertThat(constraint.complete()).isTrue();
        long[] end = constraint.allowedTokens();
        assertThat(bit(end, quote)).isTrue();
        int allowed = 0;
        for (long word : end) allowed += Long.bitCount(word);
        assertThat(allowed).as("only the end token").isEqualTo(1);
    }

    private static boolean bit(long[] mask, int id) {
        return (mask[id >>> 6] & (1L << (id & 63))) != 0;
    }

    @Test
    void overheadPerTokenIsSmall() throws Exception {
        Grammar grammar = JsonSchemaGrammar.compile(resource("spring-ai-required-nested.json"));
        float[] logits = new float[VOCAB + 1];
        Random random = new Random(11);
        long nanos = 0;
        int tokens = 0;
        long worst = 0;
        long worstWarm = 0;
        int states = 0;
        for (int run = 0; run < 20 && tokens < 3000; run++) {
            TokenConstraint constraint = new TokenConstraint(grammar, trie, Set.of(EOS));
            for (int step = 0; step < 400; step++) {
                long start = System.nanoTime();
                boolean any = constraint.restrict(logits);
                long[] mask = constraint.allowedTokens();
                int token = pick(mask, random);
                if (token != EOS) constraint.accept(token);
                long took = System.nanoTime() - start;
                nanos += took;
                worst = Math.max(worst, took);
                if (run > 0) worstWarm = Math.max(worstWarm, took);
                tokens++;
                assertThat(any).isTrue();
                if (token == EOS) break;
            }
            states = Math.max(states, constraint.cachedStates());
        }
        double meanMillis = nanos / 1e6 / tokens;
        System.out.printf("grammar constraint on a %d-token vocabulary: %.3f ms per token on average, %.1f ms at worst (%.1f ms after"
                + " the first generation), over %d tokens; at most %d grammar states cached in a generation%n",
                VOCAB, meanMillis, worst / 1e6, worstWarm / 1e6, tokens, states);
        // Generous for a shared CI machine: a real model's forward pass on this vocabulary takes longer than this.
        assertThat(meanMillis).isLessThan(25);
    }

    /** A uniformly random allowed token: the worst case for caching, as a random-weights model is. */
    private static int pick(long[] mask, Random random) {
        int count = 0;
        for (long word : mask) count += Long.bitCount(word);
        int target = random.nextInt(count);
        for (int i = 0; i < mask.length; i++) {
            int bits = Long.bitCount(mask[i]);
            if (target < bits) {
                long word = mask[i];
                for (int k = 0; k < target; k++) word &= word - 1;
                return i * 64 + Long.numberOfTrailingZeros(word);
            }
            target -= bits;
        }
        throw new AssertionError("empty mask");
    }

    private static com.fasterxml.jackson.databind.JsonNode resource(String name) throws Exception {
        try (InputStream in = TokenConstraintOverheadTest.class.getResourceAsStream("/structured-output/" + name)) {
            return new ObjectMapper().readTree(in);
        }
    }

    /** 256 byte tokens and then random word-like, number and punctuation pieces, in GPT-2's byte alphabet; EOS last. */
    static String syntheticByteLevelTokenizer(int size) {
        Random random = new Random(2024);
        Set<String> pieces = new LinkedHashSet<>();
        String letters = "etaoinshrdlucmfwypvbgkjqxz";
        String[] punctuation = {"\"", "\":", "\",", "\"}", "{\"", "},", "}", "{", "[", "]", "],", ", ", ": ", "\n", "  ", "\":\"", "\"]", ".", "-"};
        String[] unicode = {"é", "ü", "中", "文", "😀", "ß", "ñ"};
        while (pieces.size() < size - 256) {
            StringBuilder p = new StringBuilder();
            switch (random.nextInt(10)) {
                case 0 -> p.append(punctuation[random.nextInt(punctuation.length)]).append(random.nextBoolean() ? "" : punctuation[random.nextInt(punctuation.length)]);
                case 1 -> p.append(random.nextInt(1000));
                case 2 -> p.append(unicode[random.nextInt(unicode.length)]).append(letters.charAt(random.nextInt(5)));
                default -> {
                    if (random.nextInt(5) < 2) p.append(' ');
                    int n = 1 + random.nextInt(8);
                    for (int i = 0; i < n; i++) p.append(letters.charAt((int) Math.min(25, Math.abs(random.nextGaussian()) * 8)));
                    if (random.nextInt(8) == 0) p.append(punctuation[random.nextInt(punctuation.length)]);
                }
            }
            pieces.add(p.toString());
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (int b = 0; b < 256; b++) vocab.put(gpt2(new byte[] {(byte) b}), id++);
        for (String piece : pieces) {
            String text = gpt2(piece.getBytes(StandardCharsets.UTF_8));
            if (!vocab.has(text)) vocab.put(text, id++);
        }
        model.putArray("merges");
        root.putObject("decoder").put("type", "ByteLevel");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        root.putArray("added_tokens").addObject().put("id", EOS).put("content", "<|endoftext|>").put("special", true);
        return root.toString();
    }

    /** GPT-2's reversible byte-to-character map. */
    private static String gpt2(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte value : bytes) {
            int b = value & 0xff;
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable) {
                out.append((char) b);
            } else {
                int n = 0;
                for (int c = 0; c < b; c++) if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) n++;
                out.append((char) (256 + n));
            }
        }
        return out.toString();
    }
}
