package dev.bastion.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs JMH with the given command line, then prints {@link DecodeBenchmark}'s speed ratios between implementations
 * measured in that same run: ours against Jlama and against the scalar reference.
 */
public final class DecodeRatios {

    /** A JMH score and its error (half-width of the 99.9% confidence interval), in ops/s. */
    public record Score(double value, double error) {}

    /** Numerator and denominator implementations, printed when both ran. */
    static final List<String[]> PAIRS = List.of(
            new String[] {"optimized", "jlama"},
            new String[] {"q8", "jlama-q4"},
            new String[] {"q8", "jlama"},
            new String[] {"optimized", "reference"},
            new String[] {"q8", "reference"},
            new String[] {"jlama", "reference"});

    private DecodeRatios() {}

    public static void main(String[] args) throws CommandLineOptionException, RunnerException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        ratioLines(scores(results)).forEach(System.out::println);
    }

    /** Decode scores by implementation, in run order. */
    static Map<String, Score> scores(Collection<RunResult> results) {
        Map<String, Score> scores = new LinkedHashMap<>();
        for (RunResult run : results) {
            String implementation = run.getParams().getParam("implementation");
            if (!run.getParams().getBenchmark().endsWith("DecodeBenchmark.decodeStep") || implementation == null) continue;
            Result<?> primary = run.getPrimaryResult();
            scores.put(implementation, new Score(primary.getScore(), primary.getScoreError()));
        }
        return scores;
    }

    /**
     * One line per score, then one per ratio of scores present. A ratio's error adds both relative errors (first
     * order, conservative); NaN errors (too few iterations) stay NaN.
     */
    static List<String> ratioLines(Map<String, Score> scores) {
        List<String> lines = new ArrayList<>();
        scores.forEach((name, s) -> lines.add(String.format(Locale.ROOT, "decode %-9s %8.2f ± %.2f tokens/s", name, s.value(), s.error())));
        for (String[] pair : PAIRS) {
            Score a = scores.get(pair[0]);
            Score b = scores.get(pair[1]);
            if (a == null || b == null || !(b.value() > 0)) continue;
            double ratio = a.value() / b.value();
            double error = ratio * (a.error() / a.value() + b.error() / b.value());
            lines.add(String.format(Locale.ROOT, "ratio %s / %s = %.2f ± %.2f", pair[0], pair[1], ratio, error));
        }
        return lines;
    }
}
