package dev.bastion.bench;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.template.ChatMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time to first token of the 10th turn of a chat on SmolLM2-135M's shape: reusing the KV cache the user's 9th turn
 * left (prompt and generated answer), so only the new message is prefilled, against a fresh prefill of the whole
 * conversation. The two give bit-identical output; the ratio of their times is what the cache saves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class ChatTurnBenchmark {

    static final int TURN = 10;
    static final int ANSWER_TOKENS = 48;
    private static final String OWNER = "bench-user";
    private static final String[] OPENERS = {"Why", "How", "When", "Where", "Which", "Could", "Should", "Would"};

    /** reuse: the user's cached KV state; fresh: no cache, the whole conversation is prefilled. */
    @Param({"reuse", "fresh"})
    public String cache;

    private Path dir;
    private LocalModelRuntime runtime;
    private final List<ChatMessage> history = new ArrayList<>();
    private int asked;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = BenchModels.generate();
        runtime = LocalModelRuntime.load(dir);
        for (int turn = 1; turn < TURN; turn++) {
            history.add(new ChatMessage("user", question(turn)));
            GenerationResult answer = generate(history, ANSWER_TOKENS);
            history.add(new ChatMessage("assistant", answer.text()));
        }
        GenerationResult probe = firstTokenOfTurn10();
        System.err.printf("turn %d: %d prompt tokens, %d of them from the cache%n", TURN, probe.promptTokens(), probe.cachedTokens());
    }

    /** One op: a new 10th message (another one each time, as a new turn would be) up to its first token. */
    @Benchmark
    public GenerationResult firstTokenOfTurn10() {
        List<ChatMessage> messages = new ArrayList<>(history);
        messages.add(new ChatMessage("user", question(TURN + asked++)));
        return generate(messages, 1);
    }

    private GenerationResult generate(List<ChatMessage> messages, int maxTokens) {
        GenerationOptions options = new GenerationOptions(SamplerOptions.GREEDY, maxTokens, 0, List.of(),
                cache.equals("reuse") ? OWNER : null);
        return runtime.generate(runtime.renderChat(messages), options, TokenSink.IGNORE, new CancellationToken());
    }

    /** Questions differ from their first word on, so consecutive 10th turns share only the conversation before them. */
    private static String question(int n) {
        return OPENERS[n % OPENERS.length] + " is question " + n + " worth asking? Explain it in a few sentences.";
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        runtime.close();
        BenchModels.delete(dir);
    }
}
