package dev.bastion.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DecodeRatiosTest {

    @Test
    void printsEachScoreThenTheRatiosOfThoseThatRanWithPropagatedError() {
        Map<String, DecodeRatios.Score> scores = new LinkedHashMap<>();
        scores.put("optimized", new DecodeRatios.Score(30, 3));
        scores.put("jlama", new DecodeRatios.Score(20, 1));
        scores.put("reference", new DecodeRatios.Score(2, 0.2));

        assertThat(DecodeRatios.ratioLines(scores)).containsExactly(
                "decode optimized    30.00 ± 3.00 tokens/s",
                "decode jlama        20.00 ± 1.00 tokens/s",
                "decode reference     2.00 ± 0.20 tokens/s",
                "ratio optimized / jlama = 1.50 ± 0.23", // 1.5 × (0.1 + 0.05)
                "ratio optimized / reference = 15.00 ± 3.00",
                "ratio jlama / reference = 10.00 ± 1.50");
    }

    @Test
    void skipsRatiosWhoseDenominatorIsMissingOrZero() {
        Map<String, DecodeRatios.Score> scores = new LinkedHashMap<>();
        scores.put("q8", new DecodeRatios.Score(40, 1));
        scores.put("jlama-q4", new DecodeRatios.Score(0, 0));

        assertThat(DecodeRatios.ratioLines(scores)).noneMatch(line -> line.startsWith("ratio"));
    }
}
