package dev.bastion.engine.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.TinyModelFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Constrained decoding end to end on random-weights models (byte-level BPE and SentencePiece with byte fallback):
 * whatever the weights favour, the output parses and validates against its schema, checked by an independent JSON
 * schema validator (networknt, draft 2020-12), and the generation ends by itself.
 */
class ConstrainedGenerationTest {

    private static final ObjectMapper STRICT = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    @TempDir
    static Path dir;
    private static LocalModelRuntime byteLevel;
    private static LocalModelRuntime sentencePiece;

    @BeforeAll
    static void models() throws IOException {
        byteLevel = LocalModelRuntime.load(TinyModelFixture.tinyModel(dir.resolve("qwen2"), Architecture.QWEN2));
        sentencePiece = LocalModelRuntime.load(TinyModelFixture.tinyModel(dir.resolve("llama"), Architecture.LLAMA));
        assertThat(byteLevel.eosTokenIds()).isNotEmpty();
        assertThat(sentencePiece.eosTokenIds()).isNotEmpty();
    }

    @AfterAll
    static void close() {
        byteLevel.close();
        sentencePiece.close();
    }

    private static GenerationResult generate(LocalModelRuntime runtime, Grammar grammar, long seed, TokenSink sink) {
        SamplerOptions sampling = new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, seed);
        GenerationOptions options = new GenerationOptions(sampling, -1, 0, List.of()).withGrammar(grammar);
        return runtime.generate("Reply in JSON.", options, sink, new CancellationToken());
    }

    private static void assertValid(JsonNode schema, GenerationResult result, String label) {
        assertThat(result.doneReason()).as("%s ended by itself: %s", label, result.text()).isEqualTo(DoneReason.STOP);
        JsonNode value;
        try {
            value = STRICT.readTree(result.text());
        } catch (JsonProcessingException e) {
            throw new AssertionError(label + " is not JSON: " + result.text() + "\nschema: " + schema, e);
        }
        List<Error> errors = VALIDATORS.getSchema(schema).validate(value);
        assertThat(errors).as("%s: %s\nagainst %s", label, result.text(), schema).isEmpty();
    }

    @Test
    void twoHundredRandomSchemasAllGiveValidJson() {
        RandomSchemas schemas = new RandomSchemas(13);
        long tokens = 0;
        for (int i = 0; i < 200; i++) {
            JsonNode schema = schemas.next();
            LocalModelRuntime runtime = i % 2 == 0 ? byteLevel : sentencePiece;
            GenerationResult result = generate(runtime, JsonSchemaGrammar.compile(schema), i, TokenSink.IGNORE);
            assertValid(schema, result, "generation " + i);
            tokens += result.generatedTokens();
        }
        assertThat(tokens).as("the outputs are not all trivially short").isGreaterThan(2000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spring-ai-actors-films.json", "spring-ai-list-of-beans.json", "spring-ai-required-nested.json",
            "langchain4j-person.json", "langchain4j-recursive.json"})
    void clientSchemasGiveValidJson(String resource) throws IOException {
        JsonNode schema;
        try (InputStream in = getClass().getResourceAsStream("/structured-output/" + resource)) {
            schema = STRICT.readTree(in);
        }
        Grammar grammar = JsonSchemaGrammar.compile(schema);
        int completed = 0;
        for (int seed = 0; seed < 12; seed++) {
            StringBuilder streamed = new StringBuilder();
            LocalModelRuntime runtime = seed % 2 == 0 ? byteLevel : sentencePiece;
            GenerationOptions options = new GenerationOptions(new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, (long) seed), 600, 0, List.of())
                    .withGrammar(grammar);
            GenerationResult result = runtime.generate("Reply in JSON.", options, streamed::append, new CancellationToken());
            assertThat(streamed.toString()).isEqualTo(result.text());
            if (result.doneReason() == DoneReason.STOP) {
                assertValid(schema, result, resource + " seed " + seed);
                completed++;
            } else {
                // Unbounded strings and arrays on random weights may run into num_predict: the output is then a prefix.
                assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
                assertThat(isPrefix(grammar, result.text())).as(result.text()).isTrue();
            }
        }
        assertThat(completed).as("generations of %s that ended by themselves", resource).isGreaterThanOrEqualTo(3);
    }

    private static boolean isPrefix(Grammar grammar, String text) {
        GrammarMatcher m = new GrammarMatcher(grammar);
        return !m.isDead(m.step(m.start(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void formatJsonGivesAnObject() {
        for (int seed = 0; seed < 10; seed++) {
            GenerationOptions options = new GenerationOptions(new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, (long) seed), 400, 0, List.of())
                    .withGrammar(JsonSchemaGrammar.anyObject());
            GenerationResult result = (seed % 2 == 0 ? byteLevel : sentencePiece).generate("JSON:", options, TokenSink.IGNORE, new CancellationToken());
            // Unbounded strings and nesting may run into num_predict: then the output is a prefix, never anything else.
            assertThat(isPrefix(JsonSchemaGrammar.anyObject(), result.text())).as(result.text()).isTrue();
            if (result.doneReason() == DoneReason.STOP) {
                assertThat(assertParses(result.text()).isObject()).isTrue();
            } else {
                assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
            }
        }
    }

    @Test
    void withoutAnEndTokenTheGenerationStopsOnceTheJsonIsComplete() throws IOException {
        Path model = dir.resolve("qwen2");
        try (dev.bastion.engine.model.LlamaModel weights = dev.bastion.engine.model.LlamaModel.load(model)) {
            dev.bastion.engine.tokenizer.Tokenizer tokenizer = dev.bastion.engine.tokenizer.Tokenizer.load(model.resolve("tokenizer.json"));
            dev.bastion.engine.generate.Generator generator = new dev.bastion.engine.generate.Generator(weights, tokenizer, java.util.Set.of());
            Grammar grammar = JsonSchemaGrammar.compile(STRICT.readTree("{\"enum\":[\"yes\",\"no\",[1,2]]}"));
            for (long seed = 0; seed < 5; seed++) {
                GenerationOptions options = new GenerationOptions(new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, seed), 100, 0, List.of())
                        .withGrammar(grammar);
                GenerationResult result = generator.generate(tokenizer.encode("Answer:"), options, TokenSink.IGNORE, new CancellationToken());
                assertThat(result.doneReason()).isEqualTo(DoneReason.STOP);
                assertThat(result.text().strip()).isIn("\"yes\"", "\"no\"", "[1,2]");
            }
        }
    }

    private static JsonNode assertParses(String text) {
        try {
            return STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
