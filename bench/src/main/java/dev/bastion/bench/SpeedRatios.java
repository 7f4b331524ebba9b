package dev.bastion.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
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
 * Runs JMH with the given command line, then prints tokens/s and the speed ratios between implementations measured
 * in that same run: ours against Jlama and against the scalar reference, for {@link DecodeBenchmark} and
 * {@link PrefillBenchmark}.
 */
public final class SpeedRatios {

    /** Tokens/s and its error (half-width of JMH's 99.9% confidence interval). */
    public record Score(double value, double error) {}

    /** Numerator and denominator, named {@code "<decode|prefill-N> <parameter value>"}; printed when both ran. */
    static final List<String[]> PAIRS = pairs();

    private static List<String[]> pairs() {
        List<String[]> pairs = new ArrayList<>(List.of(
                new String[] {"decode optimized", "decode jlama"},
                new String[] {"decode q8", "decode jlama-q4"},
                new String[] {"decode q8", "decode jlama"},
                new String[] {"decode optimized", "decode reference"},
                new String[] {"decode q8", "decode reference"},
                new String[] {"decode jlama", "decode reference"}));
        for (String prefill : List.of("prefill-64", "prefill-512")) {
            pairs.add(new String[] {prefill + " batched", prefill + " jlama"});
            pairs.add(new String[] {prefill + " q8", prefill + " jlama"});
            pairs.add(new String[] {prefill + " q8", prefill + " batched"});
            pairs.add(new String[] {prefill + " batched", prefill + " stepwise"});
        }
        return List.copyOf(pairs);
    }

    private SpeedRatios() {}

    public static void main(String[] args) throws CommandLineOptionException, RunnerException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        lines(scores(results)).forEach(System.out::println);
    }

    /** Scores of our benchmarks in tokens/s, by name, in run order. */
    static Map<String, Score> scores(Collection<RunResult> results) {
        Map<String, Score> scores = new LinkedHashMap<>();
        for (RunResult run : results) {
            BenchmarkParams params = run.getParams();
            Result<?> primary = run.getPrimaryResult();
            String benchmark = params.getBenchmark();
            if (benchmark.endsWith("DecodeBenchmark.decodeStep")) {
                scores.put("decode " + params.getParam("implementation"), new Score(primary.getScore(), primary.getScoreError()));
            } else if (benchmark.endsWith("PrefillBenchmark.prefillPrompt")) {
                // One op is a whole prompt.
                int tokens = Integer.parseInt(params.getParam("prompt"));
                scores.put("prefill-" + tokens + " " + params.getParam("mode"), new Score(primary.getScore() * tokens, primary.getScoreError() * tokens));
            }
        }
        return scores;
    }

    /**
     * One line per score, then one per ratio of scores present. A ratio's error adds both relative errors (first
     * order, conservative); NaN errors (too few iterations) stay NaN.
     */
    static List<String> lines(Map<String, Score> scores) {
        List<String> lines = new ArrayList<>();
        scores.forEach((name, s) -> lines.add(String.format(Locale.ROOT, "%-22s %8.2f ± %.2f tokens/s", name, s.value(), s.error())));
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
