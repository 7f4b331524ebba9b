package dev.bastion.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatTemplate;
import dev.bastion.engine.template.PromptOptions;
import dev.bastion.engine.template.RenderBudget;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A model directory loaded for serving: weights, tokenizer, tokenizer_config.json and chat template.
 * Thread-safe: every generation or embedding runs in its own inference state.
 */
public final class LocalModelRuntime implements ModelRuntime {

    private static final String CHATML_START = "<|im_start|>";
    private static final String CHATML_END = "<|im_end|>";

    private final java.util.concurrent.atomic.AtomicLong embeddingStates = new java.util.concurrent.atomic.AtomicLong();
    private final Path directory;
    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String templateSource;
    private final OptionalInt bosToAdd;
    private final ToolCallFormat toolCallFormat;
    private final SessionCache sessions = new SessionCache(SessionCache.Limits.DEFAULT);
    private final Generator generator;

    private LocalModelRuntime(Path directory, LanguageModel model, Tokenizer tokenizer, ChatTemplate template,
                              String templateSource, ToolCallFormat toolCallFormat, OptionalInt bosToAdd, Set<Integer> eosTokenIds) {
        this.toolCallFormat = toolCallFormat;
        this.directory = directory;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.templateSource = templateSource;
        this.bosToAdd = bosToAdd;
        this.generator = new Generator(model, tokenizer, eosTokenIds, sessions);
    }

    /**
     * Loads the model at {@code modelDir} in whichever format it is (see {@link ModelFormat#open}); for a Hugging Face
     * directory: config.json, *.safetensors, tokenizer.json, and optionally tokenizer_config.json and generation_config.json.
     */
    public static LocalModelRuntime load(Path modelDir) throws IOException {
        return load(modelDir, WeightFormat.AS_STORED);
    }

    /** Like {@link #load(Path)}, holding the weight matrices in {@code format} (Q8_0 quantizes them at load). */
    public static LocalModelRuntime load(Path modelDir, WeightFormat format) throws IOException {
        return load(ModelFormat.open(modelDir), modelDir, format);
    }

    /** Like {@link #load(Path, WeightFormat)}, on a model's files wherever they are held (see {@link ModelFiles}). */
    public static LocalModelRuntime load(ModelFiles files, WeightFormat format) throws IOException {
        return load(ModelFormat.open(files), files.path(), format);
    }

    private static LocalModelRuntime load(Checkpoint checkpoint, Path modelDir, WeightFormat format) throws IOException {
        LanguageModel model = checkpoint.load(format);
        try {
            Tokenizer tokenizer = checkpoint.tokenizer();
            if (tokenizer.vocabSize() > model.config().vocabSize()) {
                throw new IOException(modelDir.resolve("tokenizer.json") + " has " + tokenizer.vocabSize()
                        + " tokens but config.json vocab_size is only " + model.config().vocabSize());
            }
            TokenizerConfig tokenizerConfig = checkpoint.tokenizerConfig();
            String templateSource = tokenizerConfig.chatTemplate() == null || tokenizerConfig.chatTemplate().isBlank()
                    ? null : tokenizerConfig.chatTemplate();
            ChatTemplate template = templateSource == null ? ChatTemplate.fallback()
                    : new ChatTemplate(templateSource, tokenizerConfig.bosToken(), tokenizerConfig.eosToken());
            // The fallback template is ChatML too.
            boolean chatMl = templateSource == null || templateSource.contains(CHATML_START);
            OptionalInt bos = bosToAdd(model.config(), tokenizer, tokenizerConfig, modelDir);
            Set<Integer> eos = eosTokenIds(model.config(), tokenizer, tokenizerConfig, chatMl);
            eos.addAll(checkpoint.generationEosTokenIds());
            ToolCallFormat toolCalls = ToolCallFormat.detect(templateSource, t -> tokenizer.tokenId(t).isPresent());
            return new LocalModelRuntime(modelDir, model, tokenizer, template, templateSource, toolCalls, bos, eos);
        } catch (IOException | RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** add_bos_token decides when present; otherwise the tokenizer's post-processor does. */
    private static OptionalInt bosToAdd(ModelConfig modelConfig, Tokenizer tokenizer, TokenizerConfig config, Path dir)
            throws IOException {
        Boolean addBos = config.addBosToken();
        if (addBos == null) return inVocabulary(tokenizer.bosTokenToAdd(), modelConfig, dir.resolve("tokenizer.json") + " post_processor BOS");
        if (!addBos) return OptionalInt.empty();
        if (config.bosToken() != null) {
            OptionalInt id = tokenizer.tokenId(config.bosToken());
            if (id.isPresent()) return id;
        }
        if (modelConfig.bosTokenId() >= 0) {
            return inVocabulary(OptionalInt.of(modelConfig.bosTokenId()), modelConfig, dir.resolve("config.json") + " bos_token_id");
        }
        throw new IOException(dir.resolve("tokenizer_config.json") + ": add_bos_token is true but bos_token "
                + config.bosToken() + " is not in the vocabulary and config.json has no bos_token_id");
    }

    /** A BOS outside the vocabulary would fail every request as if its prompt were bad. */
    private static OptionalInt inVocabulary(OptionalInt bos, ModelConfig modelConfig, String source) throws IOException {
        if (bos.isPresent() && bos.getAsInt() >= modelConfig.vocabSize()) {
            throw new IOException(source + " " + bos.getAsInt() + " is outside the vocabulary [0, " + modelConfig.vocabSize() + ")");
        }
        return bos;
    }

    private static Set<Integer> eosTokenIds(ModelConfig modelConfig, Tokenizer tokenizer, TokenizerConfig config,
                                            boolean chatMl) {
        Set<Integer> eos = new HashSet<>(modelConfig.eosTokenIds());
        if (config.eosToken() != null) tokenizer.tokenId(config.eosToken()).ifPresent(eos::add);
        if (chatMl) tokenizer.tokenId(CHATML_END).ifPresent(eos::add);
        // A sampled BOS begins a new document: base models trained on packed documents (llama2.c's TinyStories) end a
        // text that way, and continuing would stream "<s>" and an unrelated text (llama2.c stops there too).
        if (modelConfig.bosTokenId() >= 0 && modelConfig.bosTokenId() < modelConfig.vocabSize()) eos.add(modelConfig.bosTokenId());
        if (config.bosToken() != null) tokenizer.tokenId(config.bosToken()).ifPresent(eos::add);
        return eos;
    }

    public Path directory() {
        return directory;
    }

    public Set<Integer> eosTokenIds() {
        return generator.eosTokenIds();
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public String renderChat(List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
        return renderChat(messages, List.of(), PromptOptions.NONE, limits, cancel);
    }

    @Override
    public String renderChat(List<ChatMessage> messages, PromptOptions options, RenderLimits limits, CancellationToken cancel) {
        return renderChat(messages, List.of(), options, limits, cancel);
    }

    @Override
    public String renderChat(List<ChatMessage> messages, List<JsonNode> tools, RenderLimits limits, CancellationToken cancel) {
        return renderChat(messages, tools, PromptOptions.NONE, limits, cancel);
    }

    @Override
    public String renderChat(List<ChatMessage> messages, List<JsonNode> tools, PromptOptions options, RenderLimits limits,
                             CancellationToken cancel) {
        return template.render(messages, tools, true, options,
                RenderBudget.start(limits, model.config().maxPositionEmbeddings(), cancel::isCancelled));
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return toolCallFormat;
    }

    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        return generate(new int[0], prompt, options, sink, cancel);
    }

    @Override
    public GenerationResult generate(int[] context, String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        // Ollama's num_keep counts the tokens after the BOS it adds.
        if (bosToAdd.isPresent() && options.numKeep() >= 0) options = options.withTruncation(options.numKeep() + 1, options.truncate());
        return generator.generate(continued(context, prompt), options, sink, cancel);
    }

    /** The context's tokens, then the prompt's (without a second BOS: the context began with one). */
    private int[] continued(int[] context, String prompt) {
        if (context.length == 0) return tokenize(prompt);
        int vocab = tokenizer.vocabSize();
        for (int token : context) {
            if (token < 0 || token >= vocab) throw new IllegalArgumentException("context token id " + token + " is outside the vocabulary [0, " + vocab + ")");
        }
        int[] tail = tokenizer.encode(prompt);
        int[] all = Arrays.copyOf(context, context.length + tail.length);
        System.arraycopy(tail, 0, all, context.length, tail.length);
        return all;
    }

    @Override
    public boolean hasToken(String token) {
        return tokenizer.tokenId(token).isPresent();
    }

    @Override
    public String chatTemplateSource() {
        return templateSource;
    }

    @Override
    public int countTokens(String text) {
        return tokenize(text).length;
    }

    @Override
    public float[] embed(String text) {
        int[] tokens = embeddable(text);
        return model.embed(embeddingState(tokens.length), tokens);
    }

    /** One inference state for all texts: its buffers (logits, batch activations) would otherwise be allocated per text. */
    @Override
    public List<float[]> embedAll(List<String> texts) {
        return embedAll(texts, false, true);
    }

    @Override
    public List<float[]> embedAll(List<String> texts, boolean truncate, boolean normalize) {
        List<int[]> tokenized = texts.stream().map(t -> embeddable(t, truncate)).toList();
        if (tokenized.isEmpty()) return List.of();
        InferenceState state = embeddingState(tokenized.stream().mapToInt(t -> t.length).max().orElseThrow());
        List<float[]> vectors = new ArrayList<>(tokenized.size());
        for (int[] tokens : tokenized) vectors.add(normalize ? model.embed(state, tokens) : model.meanHidden(state, tokens));
        return vectors;
    }

    private InferenceState embeddingState(int tokens) {
        embeddingStates.incrementAndGet();
        return model.newState(tokens);
    }

    /** How many inference states embeddings have allocated (each holds the model's activation buffers). */
    long embeddingStatesAllocated() {
        return embeddingStates.get();
    }

    private int[] embeddable(String text) {
        return embeddable(text, false);
    }

    /** The tokens of {@code text}; beyond the model's positions, its first ones (truncate) or an error. */
    private int[] embeddable(String text, boolean truncate) {
        int[] tokens = tokenize(text);
        if (tokens.length == 0) throw new IllegalArgumentException("cannot embed empty text");
        int limit = model.config().maxPositionEmbeddings();
        if (tokens.length > limit) {
            if (truncate) return Arrays.copyOf(tokens, limit);
            throw new IllegalArgumentException("the input length exceeds the context length: the text has " + tokens.length
                    + " tokens, more than the model's " + limit + " positions");
        }
        return tokens;
    }

    /** Encodes {@code text}, prepending BOS when the model wants it and the text does not already start with it. */
    int[] tokenize(String text) {
        int[] encoded = tokenizer.encode(text);
        if (bosToAdd.isEmpty() || (encoded.length > 0 && encoded[0] == bosToAdd.getAsInt())) return encoded;
        int[] withBos = new int[encoded.length + 1];
        withBos[0] = bosToAdd.getAsInt();
        System.arraycopy(encoded, 0, withBos, 1, encoded.length);
        return withBos;
    }

    /** The KV caches kept for the owners' next prompts (see {@link GenerationOptions#cacheOwner()}). */
    public SessionCache sessions() {
        return sessions;
    }

    @Override
    public void limitSessions(SessionCache.Limits limits) {
        sessions.limit(limits);
    }

    @Override
    public void close() {
        sessions.close();
        model.close();
    }
}
