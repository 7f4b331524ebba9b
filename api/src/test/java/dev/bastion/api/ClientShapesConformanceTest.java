package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Replays the requests Open WebUI, Continue, LangChain4j and Spring AI send to an Ollama server (recorded from their
 * source in src/test/resources/client-shapes) against a real store and engine, and checks that every reply field each
 * client reads is there and well-formed as that client parses it.
 */
class ClientShapesConformanceTest {

    private static final String MODEL = "tiny";
    /** Continue's parser for /api/show's parameters lines. */
    private static final Pattern CONTINUE_PARAMETER = Pattern.compile("^(\\S+)\\s+((?:\".*\")|\\S+)$");

    static Path home;
    static Path source;
    static BastionServer server;
    static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("shapes-home");
        source = Files.createTempDirectory("shapes-src");
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("base"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store), Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
        // a stop value that needs quoting, as Continue JSON.parses it
        var created = http.post("/api/create", """
                {"model":"tiny","from":"base","parameters":{"stop":["say \\"hi\\"","</s>"],"num_ctx":2048},"stream":false}""");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        for (Path dir : List.of(home, source)) {
            try (var all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"open-webui.json", "continue.json", "langchain4j.json", "spring-ai.json"})
    void everyFieldTheClientReadsIsThereAndWellFormed(String file) throws Exception {
        JsonNode shapes;
        try (InputStream in = getClass().getResourceAsStream("/client-shapes/" + file)) {
            shapes = JsonFields.MAPPER.readTree(in);
        }
        assertThat(shapes.get("source").asText()).as("names the client source it was taken from").isNotBlank();
        for (JsonNode exchange : shapes.get("exchanges")) {
            String method = exchange.get("method").asText();
            String path = exchange.get("path").asText();
            String what = shapes.get("client").asText() + " " + method + " " + path + " " + exchange.path("body");
            TestHttp.Response r = method.equals("GET") ? http.get(path)
                    : http.post(path, JsonFields.MAPPER.writeValueAsString(withModel(exchange.get("body"))));
            assertThat(r.status()).as(what + " -> " + r.body()).isEqualTo(200);
            List<JsonNode> roots = new ArrayList<>();
            switch (exchange.get("reply").asText()) {
                case "json" -> roots.add(r.json());
                case "ndjson" -> {
                    assertThat(r.contentType()).as(what).startsWith("application/x-ndjson");
                    roots.addAll(r.ndjson());
                }
                default -> { }
            }
            for (var read : exchange.path("reads").properties()) {
                String readPath = read.getKey();
                List<JsonNode> values = new ArrayList<>();
                if (readPath.startsWith("*/")) roots.forEach(root -> values.addAll(select(root, readPath.substring(2))));
                else if (readPath.startsWith("last/")) values.addAll(select(roots.getLast(), readPath.substring(5)));
                else values.addAll(select(roots.getFirst(), readPath));
                assertThat(values).as(what + ": " + readPath + " is read").isNotEmpty();
                for (JsonNode v : values) assertWellFormed(v, read.getValue().asText(), what + ": " + readPath);
            }
        }
    }

    private static JsonNode withModel(JsonNode body) {
        if (body == null || !body.isObject()) return body;
        ObjectNode copy = body.deepCopy();
        copy.properties().forEach(e -> {
            if (e.getValue().isTextual() && e.getValue().asText().equals("$MODEL")) e.setValue(TextNode.valueOf(MODEL));
        });
        return copy;
    }

    /** The nodes at {@code path} ({@code /}-separated, {@code *} for every element); a missing field selects a missing node. */
    private static List<JsonNode> select(JsonNode root, String path) {
        List<JsonNode> current = List.of(root);
        for (String part : path.split("/")) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                if (part.equals("*")) {
                    assertThat(node.isArray()).as(path + ": an array").isTrue();
                    assertThat(node.size()).as(path + ": a non-empty array (the test lists or loads a model)").isPositive();
                    node.forEach(next::add);
                } else {
                    next.add(node.path(part));
                }
            }
            current = next;
        }
        return current;
    }

    private static void assertWellFormed(JsonNode v, String type, String what) {
        assertThat(v.isMissingNode() || v.isNull()).as(what + " is present").isFalse();
        switch (type) {
            case "string" -> assertThat(v.isTextual()).as(what + " a string: " + v).isTrue();
            case "text" -> assertThat(v.isTextual() && !v.asText().isEmpty()).as(what + " a non-empty string: " + v).isTrue();
            case "number" -> assertThat(v.isNumber()).as(what + " a number: " + v).isTrue();
            case "integer" -> assertThat(v.isIntegralNumber()).as(what + " an integer: " + v).isTrue();
            case "boolean" -> assertThat(v.isBoolean()).as(what + " a boolean: " + v).isTrue();
            case "array" -> assertThat(v.isArray()).as(what + " an array: " + v).isTrue();
            case "object" -> assertThat(v.isObject() && !v.isEmpty()).as(what + " a non-empty object: " + v).isTrue();
            case "hex64" -> assertThat(v.asText()).as(what).matches("[0-9a-f]{64}");
            case "version" -> assertThat(v.asText()).as(what).matches("\\d+\\.\\d+\\.\\d+");
            case "datetime" -> {
                String s = v.asText();
                assertThatCode(() -> OffsetDateTime.parse(s)).as(what + " RFC 3339: " + s).doesNotThrowAnyException();
                assertThatCode(() -> Instant.from(DateTimeFormatter.ISO_INSTANT.parse(s))).as(what + " as Jackson's Instant: " + s)
                        .doesNotThrowAnyException();
                assertThat(langChain4jDate(s).toInstant()).as(what + " as LangChain4j reads it: " + s)
                        .isEqualTo(OffsetDateTime.parse(s).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            }
            case "modelfile-params" -> {
                List<String> stops = new ArrayList<>();
                for (String line : v.asText().split("\n")) {
                    Matcher m = CONTINUE_PARAMETER.matcher(line);
                    assertThat(m.matches()).as(what + " line parses as Continue parses it: " + line).isTrue();
                    if (m.group(1).equals("stop")) {
                        assertThatCode(() -> stops.add(JsonFields.MAPPER.readValue(m.group(2), String.class)))
                                .as(what + " stop value JSON.parses: " + m.group(2)).doesNotThrowAnyException();
                    }
                }
                assertThat(stops).as(what).containsExactly("say \"hi\"", "</s>");
            }
            default -> throw new AssertionError("unknown type " + type + " in " + what);
        }
    }

    /** LangChain4j's OllamaDateDeserializer: strips the fraction's digits with replaceAll, parses ISO_OFFSET_DATE_TIME. */
    private static OffsetDateTime langChain4jDate(String date) {
        if (date.contains(".")) {
            String[] parts = date.split("\\.");
            String nanoseconds;
            if (parts[1].contains("+")) nanoseconds = parts[1].substring(0, parts[1].indexOf('+'));
            else if (parts[1].contains("-")) nanoseconds = parts[1].substring(0, parts[1].indexOf('-'));
            else nanoseconds = parts[1].substring(0, parts[1].indexOf('Z'));
            date = date.replaceAll(nanoseconds, "");
        }
        return OffsetDateTime.parse(date, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

}
