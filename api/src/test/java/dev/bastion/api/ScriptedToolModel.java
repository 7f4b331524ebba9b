package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.testing.TinyModelFixture;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny random-weight Qwen2 model carrying Qwen2.5's real chat template (so tools go through the real template and
 * the Hermes parser its template names), whose replies are scripted: a random model cannot be made to call a tool, so
 * each generation streams the next recorded reply, three characters a piece, and records the prompt it was given.
 * With no reply left, the real model generates.
 */
final class ScriptedToolModel {

    final Queue<String> replies = new ConcurrentLinkedQueue<>();
    final List<String> prompts = new CopyOnWriteArrayList<>();
    /** Replies chosen by the prompt, tried before the queue: the first rule whose text the prompt holds answers. */
    final Map<String, String> rules = Collections.synchronizedMap(new LinkedHashMap<>());

    /** Writes the model into {@code dir} and returns {@code dir}. */
    static Path write(Path dir) {
        TinyModelFixture.tinyModel(dir, Architecture.QWEN2);
        try (InputStream in = ScriptedToolModel.class.getResourceAsStream("/templates/qwen2.5-instruct.jinja")) {
            Path config = dir.resolve("tokenizer_config.json");
            ObjectNode json = (ObjectNode) JsonFields.MAPPER.readTree(Files.readString(config));
            json.put("chat_template", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            Files.writeString(config, json.toPrettyString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RuntimeLoader loader() {
        return (dir, format) -> new Runtime(LocalModelRuntime.load(dir, format == null ? WeightFormat.AS_STORED : format));
    }

    private final class Runtime extends DelegatingRuntime {
        Runtime(ModelRuntime runtime) {
            super(runtime);
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
            prompts.add(prompt);
            String reply = null;
            synchronized (rules) {
                for (Map.Entry<String, String> rule : rules.entrySet()) {
                    if (prompt.contains(rule.getKey())) {
                        reply = rule.getValue();
                        break;
                    }
                }
            }
            if (reply == null) reply = replies.poll();
            if (reply == null) return runtime.generate(prompt, options, sink, cancel);
            int pieces = 0;
            for (int i = 0; i < reply.length(); i += 3) {
                if (cancel.isCancelled()) return new GenerationResult(reply.substring(0, i), DoneReason.CANCELLED, countTokens(prompt), pieces, 1, 1);
                sink.accept(reply.substring(i, Math.min(reply.length(), i + 3)));
                pieces++;
            }
            return new GenerationResult(reply, DoneReason.STOP, countTokens(prompt), pieces, 1000, 1000);
        }
    }
}
