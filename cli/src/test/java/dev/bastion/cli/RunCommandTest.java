package dev.bastion.cli;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import dev.bastion.store.Quantization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {

    private static final Pattern STATS = Pattern.compile(
            "prompt tokens: (\\d+) \\([\\d.]+ tok/s\\), generated tokens: (\\d+) \\([\\d.]+ tok/s\\), done: (stop|length)");

    @TempDir
    static Path tmp;
    private static Path modelDir;
    /** The same model loaded directly, to compute what the command must print. */
    private static LocalModelRuntime runtime;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void generateModel() throws IOException {
        modelDir = TinyModelFixture.tinyModel(tmp.resolve("qwen"), Architecture.QWEN2);
        runtime = LocalModelRuntime.load(modelDir);
    }

    @AfterAll
    static void closeRuntime() {
        runtime.close();
    }

    private int execute(String stdin, String... args) {
        CommandLine cli = new CommandLine(new RunCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static String greedyText(String prompt, int maxTokens, List<String> stop) {
        GenerationOptions options = new GenerationOptions(SamplerOptions.GREEDY, maxTokens, 0, stop);
        return runtime.generate(prompt, options, TokenSink.IGNORE, new CancellationToken()).text();
    }

    private static String chat(List<ChatMessage> messages) {
        return runtime.renderChat(messages);
    }

    private static String line(String text) {
        return text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
    }

    @Test
    void streamsTheChatCompletionThenPrintsStats() {
        int code = execute("", modelDir.toString(), "Hello there", "--temperature", "0", "--repeat-penalty", "1", "--num-predict", "10");
        assertThat(code).as(err.toString()).isZero();
        String expected = greedyText(chat(List.of(new ChatMessage("user", "Hello there"))), 10, List.of());
        assertThat(out.toString()).isEqualTo(line(expected));

        Matcher stats = STATS.matcher(err.toString().strip());
        assertThat(stats.matches()).as(err.toString()).isTrue();
        assertThat(Integer.parseInt(stats.group(1))).isEqualTo(runtime.countTokens(chat(List.of(new ChatMessage("user", "Hello there")))));
        assertThat(Integer.parseInt(stats.group(2))).isBetween(1, 10);
    }

    @Test
    void rawSystemAndStopOptionsAreApplied() {
        assertThat(execute("", modelDir.toString(), "--raw", "Once upon a time", "--temperature", "0", "--repeat-penalty", "1", "--num-predict", "6")).isZero();
        assertThat(out.toString()).isEqualTo(line(greedyText("Once upon a time", 6, List.of())));

        String withSystem = chat(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi")));
        String full = greedyText(withSystem, 12, List.of());
        String stop = full.substring(full.length() / 2, full.length() / 2 + 1);
        StringWriter second = new StringWriter();
        CommandLine cli = new CommandLine(new RunCommand());
        cli.setOut(new PrintWriter(second));
        cli.setErr(new PrintWriter(new StringWriter()));
        assertThat(cli.execute(modelDir.toString(), "Hi", "--system", "Be brief.", "--temperature", "0", "--repeat-penalty", "1",
                "--num-predict", "12", "--stop", stop)).isZero();
        assertThat(second.toString()).isEqualTo(line(full.substring(0, full.indexOf(stop))));
    }

    @Test
    void withoutAPromptItChatsOverStdinKeepingHistoryUntilBye() {
        int code = execute("hello\n\nagain\n/bye\nnever read\n", modelDir.toString(), "--temperature", "0", "--repeat-penalty", "1", "--num-predict", "5");
        assertThat(code).as(err.toString()).isZero();

        String first = greedyText(chat(List.of(new ChatMessage("user", "hello"))), 5, List.of());
        String second = greedyText(chat(List.of(new ChatMessage("user", "hello"), new ChatMessage("assistant", first),
                new ChatMessage("user", "again"))), 5, List.of());
        assertThat(out.toString()).isEqualTo(line(first) + line(second));
        assertThat(err.toString().strip().split("\n")).hasSize(2).allMatch(l -> STATS.matcher(l).matches());
    }

    @Test
    void seededSamplingIsReproducible() {
        String[] args = {modelDir.toString(), "Hi", "--seed", "5", "--temperature", "1.2", "--top-k", "0", "--top-p", "1",
                "--min-p", "0", "--repeat-penalty", "1", "--num-predict", "12", "--num-ctx", "64"};
        assertThat(execute("", args)).isZero();
        String first = out.toString();
        out.getBuffer().setLength(0);
        assertThat(execute("", args)).isZero();
        assertThat(out.toString()).isEqualTo(first).isNotBlank();
    }

    @Test
    void ctrlCCancelsTheRunningGenerationAndTheChatGoesOn() throws Exception {
        Signal interrupt = new Signal("INT");
        // A no-op outside generations, so a late signal cannot end the test JVM.
        SignalHandler original = Signal.handle(interrupt, signal -> {});
        try {
            Thread presser = Thread.ofPlatform().start(() -> {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (out.getBuffer().isEmpty() && System.nanoTime() < deadline) Thread.onSpinWait();
                Signal.raise(interrupt);
            });
            int code = execute("a long story\nshort\n", modelDir.toString(), "--temperature", "0", "--num-predict", "-1",
                    "--num-ctx", "2048");
            presser.join();
            assertThat(code).as(err.toString()).isZero();
            String[] stats = err.toString().strip().split("\n");
            assertThat(stats).hasSize(2);
            assertThat(stats[0]).endsWith("done: cancelled");
            Matcher first = Pattern.compile("generated tokens: (\\d+)").matcher(stats[0]);
            assertThat(first.find()).isTrue();
            assertThat(Integer.parseInt(first.group(1))).isLessThan(1000);
            assertThat(stats[1]).doesNotEndWith("done: cancelled");
        } finally {
            Signal.handle(interrupt, original);
        }
    }

    @Test
    void quantizeRunsADirectoryAndAStoredQ8ModelAsTheEngineLoadsThemInQ8() throws IOException {
        // Hidden 64 and intermediate 128: every projection splits into 32-weight blocks, so all of them quantize.
        Path dir = TinyModelFixture.model(tmp.resolve("q8"), Architecture.LLAMA,
                new TinyModelSpec(64, 128, 2, 4, 2, 0, DType.BF16, false, false, 1));
        String prompt = "Once upon a time";
        int tokens = 24;
        GenerationOptions greedy = new GenerationOptions(SamplerOptions.GREEDY, tokens, 0, List.of());
        String q8Text;
        String exactText;
        try (LocalModelRuntime q8 = LocalModelRuntime.load(dir, WeightFormat.Q8_0); LocalModelRuntime exact = LocalModelRuntime.load(dir)) {
            q8Text = q8.generate(prompt, greedy, TokenSink.IGNORE, new CancellationToken()).text();
            exactText = exact.generate(prompt, greedy, TokenSink.IGNORE, new CancellationToken()).text();
        }
        assertThat(q8Text).as("Q8_0 changes this greedy output, so matching it proves the format is applied").isNotEqualTo(exactText);
        String[] options = {"--raw", prompt, "--temperature", "0", "--repeat-penalty", "1", "--num-predict", String.valueOf(tokens)};

        assertThat(execute("", concat(new String[] {dir.toString(), "--quantize", "q8_0"}, options))).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(q8Text));

        Path home = tmp.resolve("q8-home");
        ModelStore store = new ModelStore(home);
        store.importDirectory(dir, ModelName.parse("plain"), null);
        store.create(ModelName.parse("plain-q8"), Modelfile.parse("FROM plain\n"), null, null, Quantization.Q8_0);
        out.getBuffer().setLength(0);
        assertThat(execute("", concat(new String[] {"--home", home.toString(), "plain-q8"}, options))).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(q8Text));
        out.getBuffer().setLength(0);
        assertThat(execute("", concat(new String[] {"--home", home.toString(), "plain"}, options))).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(exactText));

        err.getBuffer().setLength(0);
        assertThat(execute("", dir.toString(), "--quantize", "q4_0", "hi")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("bastion run: unsupported quantization 'q4_0'; supported: q8_0" + System.lineSeparator());
    }

    private static String[] concat(String[] first, String[] second) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(second)).toArray(String[]::new);
    }

    @Test
    void aBadModelDirectoryIsOneClearLineAndExitCode1() {
        Path missing = tmp.resolve("no-such-model");
        assertThat(execute("", missing.toString(), "hi")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("bastion run: model directory not found: " + missing + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void runsAStoreModelByNameAndRefusesUnknownOrInvalidNames() throws IOException {
        Path home = tmp.resolve("home");
        new ModelStore(home).importDirectory(modelDir, ModelName.parse("alice/qwen:v1"), null);
        String expected = greedyText(chat(List.of(new ChatMessage("user", "Hi"))), 6, List.of());
        assertThat(execute("", "--home", home.toString(), "alice/qwen:v1", "Hi", "--temperature", "0", "--repeat-penalty", "1",
                "--num-predict", "6")).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(expected));

        err.getBuffer().setLength(0);
        assertThat(execute("", "--home", home.toString(), "nosuch", "hi")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("bastion run: model 'nosuch:latest' not found" + System.lineSeparator());

        err.getBuffer().setLength(0);
        assertThat(execute("", "--home", home.toString(), "a/../../etc", "hi")).isEqualTo(1);
        assertThat(err.toString()).contains("neither a model directory nor a valid model name");
    }

    @Test
    void aStoredModelRunsWithItsModelfileSystemAndParametersUnlessOptionsOverrideThem() throws IOException {
        Path home = tmp.resolve("modelfile-home");
        Modelfile modelfile = Modelfile.parse("FROM " + modelDir + "\nSYSTEM Be brief.\nPARAMETER temperature 0\n"
                + "PARAMETER repeat_penalty 1\nPARAMETER num_predict 4\n");
        new ModelStore(home).create(ModelName.parse("brief"), modelfile, null, tmp);
        List<ChatMessage> withModelSystem = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"));
        String fromModelfile = greedyText(chat(withModelSystem), 4, List.of());
        assertThat(fromModelfile).isNotEqualTo(greedyText(chat(List.of(new ChatMessage("user", "Hi"))), 4, List.of()));

        // No options: greedy (temperature 0, no repeat penalty), 4 tokens, the Modelfile's SYSTEM.
        assertThat(execute("", "--home", home.toString(), "brief", "Hi")).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(fromModelfile));
        Matcher stats = STATS.matcher(err.toString().strip());
        assertThat(stats.matches()).as(err.toString()).isTrue();
        assertThat(Integer.parseInt(stats.group(1))).isEqualTo(runtime.countTokens(chat(withModelSystem)));
        assertThat(Integer.parseInt(stats.group(2))).isBetween(1, 4);

        // Options given on the command line win; the parameters they leave alone still come from the Modelfile.
        out.getBuffer().setLength(0);
        List<ChatMessage> withOwnSystem = List.of(new ChatMessage("system", "Answer in French."), new ChatMessage("user", "Hi"));
        String overridden = greedyText(chat(withOwnSystem), 9, List.of());
        assertThat(overridden).isNotEqualTo(greedyText(chat(withOwnSystem), 4, List.of()));
        assertThat(execute("", "--home", home.toString(), "brief", "Hi", "--num-predict", "9", "--system", "Answer in French."))
                .as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(overridden));
    }

    @Test
    void aStoredModelsTemplateRendersTheRunPromptAndEachChatTurn() throws IOException {
        Path home = tmp.resolve("template-home");
        Modelfile modelfile = Modelfile.parse("FROM " + modelDir + "\nSYSTEM Be brief.\nPARAMETER temperature 0\n"
                + "PARAMETER repeat_penalty 1\nPARAMETER num_predict 5\n"
                + "TEMPLATE \"\"\"<|sys|>{{ .System }}<|user|>{{ .Prompt }}<|bot|>{{ .Response }}\"\"\"\n");
        new ModelStore(home).create(ModelName.parse("templated"), modelfile, null, tmp);

        String single = "<|sys|>Be brief.<|user|>Hi<|bot|>";
        assertThat(execute("", "--home", home.toString(), "templated", "Hi")).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo(line(greedyText(single, 5, List.of())));
        Matcher stats = STATS.matcher(err.toString().strip());
        assertThat(stats.matches()).as(err.toString()).isTrue();
        assertThat(Integer.parseInt(stats.group(1))).isEqualTo(runtime.countTokens(single));

        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(execute("hello\nagain\n", "--home", home.toString(), "templated")).as(err.toString()).isZero();
        String first = greedyText("<|sys|>Be brief.<|user|>hello<|bot|>", 5, List.of());
        String secondPrompt = "<|sys|>Be brief.<|user|>hello<|bot|>" + first + "<|sys|><|user|>again<|bot|>";
        String second = greedyText(secondPrompt, 5, List.of());
        assertThat(out.toString()).isEqualTo(line(first) + line(second));
        Matcher secondStats = STATS.matcher(err.toString().strip().lines().toList().getLast());
        assertThat(secondStats.matches()).as(err.toString()).isTrue();
        assertThat(Integer.parseInt(secondStats.group(1))).isEqualTo(runtime.countTokens(secondPrompt));
    }

    @Test
    void badOptionValuesAreOneClearLineAndExitCode1() {
        assertThat(execute("", modelDir.toString(), "hi", "--temperature", "-1")).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("bastion run: temperature must be in [0, 100]");
    }
}
