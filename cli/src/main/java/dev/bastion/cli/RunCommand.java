package dev.bastion.cli;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import dev.bastion.store.ModelDetails;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelParameter;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Quantization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bastion run MODEL [PROMPT]}: one completion, or an interactive chat on stdin when no prompt is given. A stored
 * model's Modelfile PARAMETERs, SYSTEM and TEMPLATE apply, as in the API, unless overridden by the options given.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a model on a prompt, or chat interactively (stdin) when no prompt is given; /bye ends the chat.",
                "A stored model's Modelfile PARAMETERs and SYSTEM replace the defaults below (options given here win); its TEMPLATE replaces the chat template."})
public final class RunCommand implements Callable<Integer> {

    private static final String BYE = "/bye";

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model in the store (e.g. tiny, alice/model:v1) or a model directory (config.json, *.safetensors, tokenizer.json).")
    String model;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PROMPT", description = "The prompt; omit it to chat.")
    String prompt;

    @Option(names = "--raw", description = "Send the prompt as is, without the chat template.")
    boolean raw;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message for the chat (default: the stored model's SYSTEM).")
    String system;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 disables (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.9", description = "1 disables (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0", description = "0 disables (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.1", description = "1 disables (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--seed", description = "Random seed for reproducible sampling.")
    Long seed;

    @Option(names = "--num-predict", defaultValue = "-1", description = "Maximum tokens to generate; -1 until the context is full.")
    int numPredict;

    @Option(names = "--num-ctx", defaultValue = "0", description = "Context length; 0 uses the model's (at most 4096).")
    int numCtx;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop before this text (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--quantize", paramLabel = "LEVEL", description = "Quantize the weights at load: q8_0 (default: a stored model's own quantization, else none).")
    String quantize;

    @Option(names = "--tools", split = ",", paramLabel = "NAMESPACE",
            description = "Let the model call the tools of these namespaces (e.g. files,shell) through the tool gateway, as you; each call and its result are printed.")
    List<String> tools;

    @Option(names = "--max-tool-steps", defaultValue = "8", description = "Model turns per message when tools are on (default: ${DEFAULT-VALUE}).")
    int maxToolSteps;

    @Mixin
    HomeOption home = new HomeOption();

    @Spec
    CommandSpec spec;

    /** Loads a model's files (a directory, or a store model decrypted into memory) in a weight format. */
    @FunctionalInterface
    interface ModelLoader {
        ModelRuntime load(ModelFiles files, WeightFormat format) throws IOException;
    }

    private final InputStream stdin;
    private final ToolGatewayFactory toolGateways;
    private final ModelLoader loader;

    public RunCommand() {
        this(System.in);
    }

    RunCommand(InputStream stdin) {
        this(stdin, ToolGatewayFactory.installed(), LocalModelRuntime::load);
    }

    RunCommand(InputStream stdin, ToolGatewayFactory toolGateways, ModelLoader loader) {
        this.stdin = stdin;
        this.toolGateways = toolGateways;
        this.loader = loader;
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (HomeOption opened = home) {
            ResolvedModel resolved = resolveModel(model);
            GenerationOptions options = generationOptions(resolved.parameters());
            String effectiveSystem = system != null ? system : resolved.system();
            ChatPrompt chatPrompt = ChatPrompt.of(null, resolved.template());
            if (tools != null && raw) throw new IllegalArgumentException("--tools needs the chat template; it cannot be used with --raw");
            try (ToolGatewayFactory.Session session = tools == null ? null : toolGateways.open(home.resolve())
                    .orElseThrow(() -> new IOException("--tools: no tool gateway is available"));
                 ModelRuntime runtime = loader.load(resolved.files(), resolved.weightFormat())) {
                ToolChat toolChat = session == null ? null : ToolChat.of(session, tools, maxToolSteps);
                if (prompt != null) {
                    List<ChatMessage> messages = startConversation(effectiveSystem);
                    messages.add(new ChatMessage("user", prompt));
                    if (toolChat != null) {
                        withInterrupt(cancel -> toolChat.reply(runtime, chatPrompt, messages, options, cancel,
                                spec.commandLine().getOut(), spec.commandLine().getErr()));
                    } else {
                        respond(runtime, raw ? prompt : chatPrompt.render(runtime, messages), options);
                    }
                } else {
                    chat(runtime, chatPrompt, options, effectiveSystem, toolChat);
                }
            }
            return 0;
        } catch (Exception e) {
            err.println("bastion run: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            err.flush();
            return 1;
        }
    }

    /**
     * The directory to load and its load format (--quantize, else a stored model's), and for a stored model its
     * Modelfile's PARAMETERs, SYSTEM and TEMPLATE (else empty and nulls).
     */
    record ResolvedModel(ModelFiles files, WeightFormat weightFormat, Map<String, Object> parameters, String system, String template) {}

    /** A directory or .gguf file is used as is; a path-like argument must be one; anything else is a store name, verified and materialized (or decrypted). */
    ResolvedModel resolveModel(String name) throws IOException {
        WeightFormat requested = quantize == null ? null : Quantization.parse(quantize).weightFormat();
        Path dir = Path.of(name);
        boolean pathLike = dir.isAbsolute() || name.startsWith("./") || name.startsWith("../") || name.startsWith("~");
        if (new dev.bastion.engine.format.GgufFormat().recognizes(dir)) {
            return new ResolvedModel(ModelFiles.directory(dir), requested == null ? WeightFormat.AS_STORED : requested, Map.of(), null, null);
        }
        if (Files.isDirectory(dir)) {
            if (!Files.isRegularFile(dir.resolve("config.json"))) throw new IOException(name + " is not a model directory: it has no config.json");
            return new ResolvedModel(ModelFiles.directory(dir), requested == null ? WeightFormat.AS_STORED : requested, Map.of(), null, null);
        }
        if (pathLike) throw new IOException("model directory not found: " + name);
        ModelName modelName;
        try {
            modelName = ModelName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IOException("model not found: '" + name + "' is neither a model directory nor a valid model name");
        }
        ModelStore store = home.openStore();
        ModelDetails details = store.show(modelName);
        return new ResolvedModel(store.open(modelName), requested == null ? details.weightFormat() : requested,
                details.parameters(), details.system(), details.template());
    }

    /** The model's parameters, overridden by each sampling option given on the command line (not by their defaults). */
    private GenerationOptions generationOptions(Map<String, Object> modelParameters) {
        GenerationOptions model = ModelParameter.generationOptions(modelParameters);
        SamplerOptions m = model.sampling();
        SamplerOptions sampling = new SamplerOptions(
                given("--temperature") ? temperature : m.temperature(),
                given("--top-k") ? topK : m.topK(),
                given("--top-p") ? topP : m.topP(),
                given("--min-p") ? minP : m.minP(),
                given("--repeat-penalty") ? repeatPenalty : m.repeatPenalty(),
                m.repeatLastN(),
                given("--seed") ? seed : m.seed());
        return new GenerationOptions(sampling, given("--num-predict") ? numPredict : model.maxTokens(),
                given("--num-ctx") ? numCtx : model.contextLength(), given("--stop") ? stop : model.stop());
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private static List<ChatMessage> startConversation(String system) {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) messages.add(new ChatMessage("system", system));
        return messages;
    }

    private void chat(ModelRuntime runtime, ChatPrompt chatPrompt, GenerationOptions conversation, String system,
                      ToolChat toolChat) throws IOException {
        // Each turn reuses the KV cache of the one before: only the new message is prefilled.
        GenerationOptions options = conversation.withCacheOwner("cli");
        PrintWriter out = spec.commandLine().getOut();
        boolean interactive = System.console() != null;
        List<ChatMessage> history = startConversation(system);
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        while (true) {
            if (interactive) {
                out.print(">>> ");
                out.flush();
            }
            String line = in.readLine();
            if (line == null || line.strip().equals(BYE)) return;
            if (line.isBlank()) continue;
            if (raw) {
                respond(runtime, line, options);
                continue;
            }
            history.add(new ChatMessage("user", line));
            if (toolChat != null) {
                withInterrupt(cancel -> toolChat.reply(runtime, chatPrompt, history, options, cancel, out, spec.commandLine().getErr()));
                continue;
            }
            GenerationResult result = respond(runtime, chatPrompt.render(runtime, history), options);
            history.add(new ChatMessage("assistant", result.text()));
        }
    }

    /** Streams one generation to stdout and its stats to stderr; Ctrl-C cancels it. */
    private GenerationResult respond(ModelRuntime runtime, String fullPrompt, GenerationOptions options) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CancellationToken cancel = new CancellationToken();
        GenerationResult result;
        try (InterruptHandler ignored = InterruptHandler.install(cancel::cancel)) {
            result = runtime.generate(fullPrompt, options, piece -> {
                out.print(piece);
                out.flush();
            }, cancel);
        }
        if (!result.text().isEmpty() && !result.text().endsWith("\n")) out.println();
        out.flush();
        printStats(err, result);
        return result;
    }

    /** Runs {@code work} with Ctrl-C cancelling it. */
    private static void withInterrupt(java.util.function.Consumer<CancellationToken> work) {
        CancellationToken cancel = new CancellationToken();
        try (InterruptHandler ignored = InterruptHandler.install(cancel::cancel)) {
            work.accept(cancel);
        }
    }

    static void printStats(PrintWriter err, GenerationResult result) {
        err.println(String.format(Locale.ROOT, "prompt tokens: %d (%.1f tok/s), generated tokens: %d (%.1f tok/s), done: %s",
                result.promptTokens(), result.prefillTokensPerSecond(), result.generatedTokens(),
                result.decodeTokensPerSecond(), result.doneReason().wireName()));
        err.flush();
    }
}
