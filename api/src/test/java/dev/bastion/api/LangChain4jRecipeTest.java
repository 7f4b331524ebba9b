package dev.bastion.api;

import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LangChain4j recipe of docs/clients.md, as written there, against a server with authentication on. */
class LangChain4jRecipeTest {

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    static BastionServer server;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "langchain4j").secret();
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind)), new StoreCatalog(store), Runtimes.LOADER).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void chatStreamingAndEmbeddingsWithTheKeyAsACustomHeader() throws Exception {
        // --- the recipe ---
        Map<String, String> auth = Map.of("Authorization", "Bearer " + key);
        OllamaChatModel chat = OllamaChatModel.builder()
                .baseUrl(server.baseUrl())
                .modelName("tiny")
                .customHeaders(auth)
                .temperature(0.0)
                .numPredict(5)
                .build();
        String answer = chat.chat("hello there");
        // ---
        assertThat(answer).isNotNull();

        OllamaStreamingChatModel streaming = OllamaStreamingChatModel.builder()
                .baseUrl(server.baseUrl()).modelName("tiny").customHeaders(auth).temperature(0.0).numPredict(5).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder streamed = new StringBuilder();
        streaming.chat("hello there", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                streamed.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse complete = done.get(60, TimeUnit.SECONDS);
        assertThat(streamed.toString()).as("greedy: same text streamed or not").isEqualTo(answer);
        assertThat(complete.aiMessage().text()).isEqualTo(answer);
        assertThat(complete.tokenUsage().outputTokenCount()).isBetween(1, 5);

        OllamaEmbeddingModel embeddings = OllamaEmbeddingModel.builder()
                .baseUrl(server.baseUrl()).modelName("tiny").customHeaders(auth).build();
        assertThat(embeddings.embed("a document").content().dimension()).isPositive();

        OllamaChatModel noKey = OllamaChatModel.builder().baseUrl(server.baseUrl()).modelName("tiny").maxRetries(0).build();
        assertThatThrownBy(() -> noKey.chat("hello")).hasMessageContaining("missing or invalid API key");
    }
}
