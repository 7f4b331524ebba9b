package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.SessionCache;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.util.List;

/** A real runtime behind a test's wrapper, which overrides only the calls it observes. */
public class DelegatingRuntime implements ModelRuntime {

    protected final ModelRuntime runtime;

    public DelegatingRuntime(ModelRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public ModelConfig config() {
        return runtime.config();
    }

    @Override
    public String renderChat(List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel) {
        return runtime.renderChat(messages, limits, cancel);
    }

    @Override
    public String renderChat(List<ChatMessage> messages, List<JsonNode> tools, RenderLimits limits, CancellationToken cancel) {
        return runtime.renderChat(messages, tools, limits, cancel);
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return runtime.toolCallFormat();
    }

    @Override
    public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        return runtime.generate(prompt, options, sink, cancel);
    }

    @Override
    public void limitSessions(SessionCache.Limits limits) {
        runtime.limitSessions(limits);
    }

    @Override
    public int countTokens(String text) {
        return runtime.countTokens(text);
    }

    @Override
    public float[] embed(String text) {
        return runtime.embed(text);
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        return runtime.embedAll(texts);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
