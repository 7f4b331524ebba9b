package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Thinking detected from a real model's Hugging Face chat template (Qwen3's, recorded) and switched through it. */
class ThinkingTemplateTest {

    /** The end of Qwen3's chat_template, verbatim. */
    private static final String QWEN3_TAIL = """
            {%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
                {%- if enable_thinking is defined and enable_thinking is false %}
                    {{- '<think>\\n\\n</think>\\n\\n' }}
                {%- endif %}
            {%- endif %}""";

    @TempDir
    Path home;
    @TempDir
    Path source;

    private BastionServer server;
    private TestHttp http;
    private final List<String> prompts = new CopyOnWriteArrayList<>();

    private final class Recording extends DelegatingRuntime {
        Recording(ModelRuntime runtime) {
            super(runtime);
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
            prompts.add(prompt);
            return runtime.generate(prompt, options, sink, cancel);
        }
    }

    @BeforeEach
    void start() throws Exception {
        Path qwen3 = TinyModelFixture.tinyModel(source.resolve("qwen3"), Architecture.QWEN2);
        ObjectNode config = (ObjectNode) JsonFields.MAPPER.readTree(Files.readString(qwen3.resolve("tokenizer_config.json")));
        config.put("chat_template", QWEN3_TAIL);
        Files.writeString(qwen3.resolve("tokenizer_config.json"), config.toString());
        ModelStore store = new ModelStore(home);
        store.importDirectory(qwen3, ModelName.parse("qwen3"), null);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("plain"), Architecture.QWEN2), ModelName.parse("plain"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                (dir, format) -> new Recording(LocalModelRuntime.load(dir, format))).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private TestHttp.Response chat(String model, String think) throws Exception {
        return http.post("/api/chat", "{\"model\":\"" + model + "\",\"stream\":false," + (think == null ? "" : "\"think\":" + think + ",")
                + "\"options\":{\"num_predict\":3,\"seed\":1},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @Test
    void enableThinkingReachesTheTemplateAndOtherModelsRefuse() throws Exception {
        assertThat(chat("qwen3", "false").status()).isEqualTo(200);
        assertThat(prompts.getLast()).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(chat("qwen3", null).status()).isEqualTo(200);
        assertThat(prompts.getLast()).endsWith("<|im_start|>assistant\n");
        assertThat(chat("qwen3", "\"medium\"").status()).isEqualTo(200);
        assertThat(prompts.getLast()).endsWith("<|im_start|>assistant\n");

        var refused = chat("plain", "true");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").asText()).isEqualTo("\"plain\" does not support thinking");
        assertThat(chat("plain", "false").status()).isEqualTo(200);
        assertThat(prompts.getLast()).endsWith("<|im_start|>assistant\n");
    }
}
