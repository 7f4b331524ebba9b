package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.Vectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Ollama's embedding behaviour: dimensions, raw legacy vectors, truncation of long inputs. */
class EmbeddingCompatTest extends FakeServerTest {

    private static final String TEXT = "the cat sat on the mat";

    @BeforeEach
    void up() {
        start(0, 1, 1 << 20);
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) array.get(i).asDouble();
        return v;
    }

    private static double norm(float[] v) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        return Math.sqrt(n);
    }

    @Test
    void theLegacyEndpointReturnsTheRawVector() throws Exception {
        var r = http.post("/api/embeddings", "{\"model\":\"tiny\",\"prompt\":\"" + TEXT + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        float[] raw = floats(r.json().get("embedding"));
        assertThat(raw).containsExactly(FakeRuntime.raw(TEXT));
        assertThat(norm(raw)).isGreaterThan(10);
        float[] normalized = floats(http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + TEXT + "\"}").json().get("embeddings").get(0));
        assertThat(norm(normalized)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void dimensionsKeepsTheLeadingEntriesRenormalizedOnBothApis() throws Exception {
        float[] full = Vectors.normalized(FakeRuntime.raw(TEXT));
        float[] expected = new float[2];
        double n = Math.sqrt((double) full[0] * full[0] + (double) full[1] * full[1]);
        expected[0] = (float) (full[0] / n);
        expected[1] = (float) (full[1] / n);

        var ollama = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":[\"" + TEXT + "\"],\"dimensions\":2}");
        assertThat(ollama.status()).as(ollama.body()).isEqualTo(200);
        float[] o = floats(ollama.json().get("embeddings").get(0));
        assertThat(o).hasSize(2);
        assertThat(o[0]).isCloseTo(expected[0], within(1e-6f));
        assertThat(o[1]).isCloseTo(expected[1], within(1e-6f));

        var openAi = http.post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"" + TEXT + "\",\"dimensions\":2}");
        assertThat(openAi.status()).as(openAi.body()).isEqualTo(200);
        assertThat(floats(openAi.json().get("data").get(0).get("embedding"))).containsExactly(o);

        assertThat(floats(http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + TEXT + "\",\"dimensions\":99}")
                .json().get("embeddings").get(0))).as("more than the model has: all of them").hasSize(4);
        assertThat(http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"x\",\"dimensions\":-1}").status()).isEqualTo(400);
        assertThat(http.post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"x\",\"dimensions\":0}").status()).isEqualTo(400);
    }

    @Test
    void longInputsAreTruncatedUnlessTruncateIsFalse() throws Exception {
        String words = "w ".repeat(200).strip();
        var cut = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + words + "\"}");
        assertThat(cut.status()).as(cut.body()).isEqualTo(200);
        float[] expected = Vectors.normalized(FakeRuntime.raw("w ".repeat(128).strip()));
        assertThat(floats(cut.json().get("embeddings").get(0))).containsExactly(expected);

        var refused = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + words + "\",\"truncate\":false}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").asText()).contains("the input length exceeds the context length");
    }
}
