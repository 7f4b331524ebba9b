package dev.bastion.engine.tokenizer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A GGUF {@code llama} vocabulary tokenizes as llama.cpp's SentencePiece tokenizer does (llm_tokenizer_spm): starting
 * from characters, repeatedly merge the adjacent pair whose concatenation is the vocabulary token of highest score,
 * the leftmost on ties. The reference below is that algorithm, written plainly; scores are drawn from a few values so
 * that ties are common.
 */
class GgufSentencePieceProperties {

    private static final String ALPHABET = "abcd ";

    record Vocabulary(List<String> tokens, float[] scores) {}

    @Property(tries = 300)
    void encodesLikeLlamaCppsSentencePiece(@ForAll("vocabularies") Vocabulary vocabulary, @ForAll("texts") String text) {
        int n = vocabulary.tokens().size();
        int[] types = new int[n];
        java.util.Arrays.fill(types, 1);
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        Tokenizer tokenizer = new GgufVocabulary("llama", null, vocabulary.tokens().toArray(String[]::new), vocabulary.scores(),
                types, null, 0, true).build();
        assertThat(tokenizer.encode(text)).as(text).containsExactly(reference(vocabulary, text));
    }

    /** llama.cpp's SPM tokenization of one text fragment with add_space_prefix. */
    private static int[] reference(Vocabulary vocabulary, String text) {
        if (text.isEmpty()) return new int[0];
        Map<String, Integer> ids = new HashMap<>();
        for (int i = vocabulary.tokens().size() - 1; i >= 0; i--) ids.put(vocabulary.tokens().get(i), i);
        String normalized = ("▁" + text).replace(" ", "▁");
        List<String> symbols = new ArrayList<>();
        normalized.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        while (true) {
            int best = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer id = ids.get(symbols.get(i) + symbols.get(i + 1));
                if (id != null && id >= 3 && vocabulary.scores()[id] > bestScore) {
                    best = i;
                    bestScore = vocabulary.scores()[id];
                }
            }
            if (best < 0) break;
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String symbol : symbols) {
            Integer id = ids.get(symbol);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) out.add(ids.get(String.format("<0x%02X>", b & 0xFF)));
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Provide
    Arbitrary<Vocabulary> vocabularies() {
        Arbitrary<String> piece = Arbitraries.strings().withChars("abcd▁").ofMinLength(2).ofMaxLength(5);
        return Combinators.combine(piece.set().ofMinSize(5).ofMaxSize(40),
                Arbitraries.integers().between(-6, 0).list().ofSize(300)).as((pieces, scores) -> {
            Set<String> tokens = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
            for (int b = 0; b < 256; b++) tokens.add(String.format("<0x%02X>", b));
            for (char c : "abcd▁".toCharArray()) tokens.add(String.valueOf(c));
            tokens.addAll(pieces);
            List<String> list = new ArrayList<>(tokens);
            float[] s = new float[list.size()];
            for (int i = 0; i < s.length; i++) s[i] = i < 259 ? 0 : scores.get(i % scores.size());
            return new Vocabulary(list, s);
        });
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().withChars(ALPHABET).ofMaxLength(30);
    }
}
