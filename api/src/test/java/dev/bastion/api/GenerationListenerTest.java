package dev.bastion.api;

import dev.bastion.engine.generate.GenerationResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every generation of every endpoint reaches the one hook with the caller passed explicitly, and the hook can refuse
 * before anything runs: the place metering, quotas and tool policy plug in.
 */
class GenerationListenerTest extends FakeServerTest {

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile boolean refuse;

    private void start() {
        listener = new GenerationListener() {
            @Override
            public Ticket starting(GenerationCall call) {
                if (refuse) throw new ApiException(429, "quota exceeded for " + call.caller().principal(), null);
                seen.add("start " + call.caller().principal() + " " + call.storedModel() + " stream=" + call.stream());
                return new Ticket() {
                    @Override
                    public Long finished(GenerationResult result) {
                        seen.add("done " + call.caller().principal() + " " + result.generatedTokens());
                        return null;
                    }

                    @Override
                    public void close() {
                        seen.add("closed " + call.caller().principal());
                    }
                };
            }

            @Override
            public Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
                seen.add("embed " + caller.principal() + " " + storedModel + " " + inputs);
                return null;
            }
        };
        start(0, 1, ServerConfig.defaults(new BindAddress("127.0.0.1", 0))
                .withModule(c -> c.routes.before(ctx -> ctx.attribute(RequestContext.PRINCIPAL_ATTRIBUTE, ctx.queryParam("user")))));
    }

    @Test
    void everyEndpointReachesTheHookWithItsCaller() throws Exception {
        start();
        String options = "\"options\":{\"num_predict\":2}";
        assertThat(http.post("/api/generate?user=ann", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":false," + options + "}").status()).isEqualTo(200);
        assertThat(http.post("/api/chat?user=bob", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + options + "}").status()).isEqualTo(200);
        assertThat(http.post("/v1/chat/completions?user=cy", "{\"model\":\"tiny\",\"max_tokens\":2,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").status()).isEqualTo(200);
        assertThat(http.post("/v1/completions?user=di", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"max_tokens\":2}").status()).isEqualTo(200);
        assertThat(http.post("/api/embed?user=ed", "{\"model\":\"tiny\",\"input\":[\"a\",\"b\"]}").status()).isEqualTo(200);
        assertThat(http.post("/v1/embeddings?user=fa", "{\"model\":\"tiny\",\"input\":\"a\"}").status()).isEqualTo(200);
        assertThat(seen).containsExactly(
                "start ann tiny stream=false", "done ann 2", "closed ann",
                "start bob tiny stream=true", "done bob 2", "closed bob",
                "start cy tiny stream=true", "done cy 2", "closed cy",
                "start di tiny stream=false", "done di 2", "closed di",
                "embed ed tiny 2", "embed fa tiny 1");
    }

    @Test
    void theHookCanRefuseBeforeAnythingRuns() throws Exception {
        start();
        refuse = true;
        var ollama = http.post("/api/chat?user=bob", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(ollama.status()).isEqualTo(429);
        assertThat(ollama.json().get("error").asText()).isEqualTo("quota exceeded for bob");
        var openAi = http.post("/v1/chat/completions?user=cy", "{\"model\":\"tiny\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(openAi.status()).isEqualTo(429);
        assertThat(openAi.json().get("error").get("message").asText()).isEqualTo("quota exceeded for cy");
        assertThat(runtimes).isEmpty(); // no model was even loaded
    }
}
