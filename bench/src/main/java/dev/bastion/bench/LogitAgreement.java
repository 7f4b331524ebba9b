package dev.bastion.bench;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.ScalarReferenceModel;
import dev.bastion.engine.model.WeightFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * How closely two models' logits agree when both decode the same tokens from position 0: the sanity check that a
 * benchmark compares engines computing the same function. {@link #main} compares Bastion and Jlama with the scalar
 * reference on the benchmarked model shape.
 *
 * @param maxAbsDiff largest |a - b| over all positions and vocabulary entries
 * @param maxAbsLogit largest |a|, to judge {@code maxAbsDiff} against
 * @param argmaxMatches positions whose top token is the same in both
 */
public record LogitAgreement(int positions, double maxAbsDiff, double maxAbsLogit, int argmaxMatches) {

    public static LogitAgreement compare(LanguageModel a, LanguageModel b, int[] tokens) {
        if (a.config().vocabSize() != b.config().vocabSize()) {
            throw new IllegalArgumentException("vocabulary sizes differ: " + a.config().vocabSize() + " vs " + b.config().vocabSize());
        }
        InferenceState sa = a.newState(tokens.length);
        InferenceState sb = b.newState(tokens.length);
        double maxDiff = 0;
        double maxLogit = 0;
        int matches = 0;
        for (int pos = 0; pos < tokens.length; pos++) {
            float[] la = a.forward(sa, tokens[pos], pos);
            float[] lb = b.forward(sb, tokens[pos], pos);
            for (int i = 0; i < la.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs((double) la[i] - lb[i]));
                maxLogit = Math.max(maxLogit, Math.abs(la[i]));
            }
            if (argmax(la) == argmax(lb)) matches++;
        }
        return new LogitAgreement(tokens.length, maxDiff, maxLogit, matches);
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "max |Δlogit| %.2e (max |logit| %.2f), argmax equal at %d/%d positions",
                maxAbsDiff, maxAbsLogit, argmaxMatches, positions);
    }

    /** Prints each engine's agreement with the scalar reference, and Bastion's with Jlama, on SmolLM2-135M's shape. */
    public static void main(String[] args) throws IOException {
        int positions = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Path dir = BenchModels.generate();
        try {
            int[] tokens = new Random(7).ints(positions, 0, BenchModels.SPEC.vocabSize()).toArray();
            try (LanguageModel reference = ScalarReferenceModel.load(dir);
                 LanguageModel bastion = LlamaModel.load(dir);
                 LanguageModel bastionQ8 = LlamaModel.load(dir, WeightFormat.Q8_0);
                 LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED);
                 LanguageModel jlamaQ4 = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.Q4)) {
                System.out.println("bastion    vs reference: " + compare(bastion, reference, tokens));
                System.out.println("jlama      vs reference: " + compare(jlama, reference, tokens));
                System.out.println("bastion    vs jlama:     " + compare(bastion, jlama, tokens));
                System.out.println("bastion-q8 vs reference: " + compare(bastionQ8, reference, tokens));
                System.out.println("jlama-q4   vs reference: " + compare(jlamaQ4, reference, tokens));
                System.out.println("bastion-q8 vs jlama-q4:  " + compare(bastionQ8, jlamaQ4, tokens));
            }
        } finally {
            BenchModels.delete(dir);
        }
    }
}
