package dev.bastion.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SpeedRatiosTest {

    @Test
    void printsEachScoreThenTheRatiosOfThoseThatRanWithPropagatedError() {
        Map<String, SpeedRatios.Score> scores = new LinkedHashMap<>();
        scores.put("decode optimized", new SpeedRatios.Score(30, 3));
        scores.put("decode jlama", new SpeedRatios.Score(20, 1));
        scores.put("decode reference", new SpeedRatios.Score(2, 0.2));
        scores.put("prefill-64 batched", new SpeedRatios.Score(400, 40));
        scores.put("prefill-64 jlama", new SpeedRatios.Score(100, 10));

        assertThat(SpeedRatios.lines(scores)).containsExactly(
                "decode optimized          30.00 ± 3.00 tokens/s",
                "decode jlama              20.00 ± 1.00 tokens/s",
                "decode reference           2.00 ± 0.20 tokens/s",
                "prefill-64 batched       400.00 ± 40.00 tokens/s",
                "prefill-64 jlama         100.00 ± 10.00 tokens/s",
                "ratio decode optimized / decode jlama = 1.50 ± 0.23", // 1.5 × (0.1 + 0.05)
                "ratio decode optimized / decode reference = 15.00 ± 3.00",
                "ratio decode jlama / decode reference = 10.00 ± 1.50",
                "ratio prefill-64 batched / prefill-64 jlama = 4.00 ± 0.80");
    }

    @Test
    void skipsRatiosWhoseDenominatorIsMissingOrZero() {
        Map<String, SpeedRatios.Score> scores = new LinkedHashMap<>();
        scores.put("decode q8", new SpeedRatios.Score(40, 1));
        scores.put("decode jlama-q4", new SpeedRatios.Score(0, 0));

        assertThat(SpeedRatios.lines(scores)).noneMatch(line -> line.startsWith("ratio"));
    }
}
