package dev.bastion.api;

import dev.bastion.engine.generate.DoneReason;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyTest extends FakeServerTest {

    @Test
    void twoClientsOnOneModelBothComplete() throws Exception {
        start(20, 2, 1 << 20);
        String body = "{\"model\":\"tiny\",\"prompt\":\"a b c\",\"stream\":false,\"options\":{\"num_predict\":10}}";
        var first = CompletableFuture.supplyAsync(() -> call(body));
        var second = CompletableFuture.supplyAsync(() -> call(body));
        assertThat(first.get().json().get("eval_count").asInt()).isEqualTo(10);
        assertThat(second.get().json().get("eval_count").asInt()).isEqualTo(10);
        assertThat(runtimes.get("tiny").maxRunning.get()).as("ran side by side").isEqualTo(2);
    }

    @Test
    void aDisconnectedStreamingClientIsCancelledAndFreesItsSlot() throws Exception {
        start(50, 1, 1 << 20);
        URI base = URI.create(server.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            String json = "{\"model\":\"tiny\",\"prompt\":\"long\",\"options\":{\"num_predict\":100000}}";
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int pieces = 0;
            for (String line; (line = in.readLine()) != null && pieces < 3; ) {
                if (line.contains("\"done\":false")) pieces++;
            }
            assertThat(pieces).isEqualTo(3);
        }
        long start = System.nanoTime();
        var second = call("{\"model\":\"tiny\",\"prompt\":\"x\",\"stream\":false,\"options\":{\"num_predict\":1}}");
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(second.status()).isEqualTo(200);
        assertThat(waitedMillis).as("served within a few tokens of the disconnect").isLessThan(2_000);
        assertThat(runtimes.get("tiny").results).anySatisfy(r -> {
            assertThat(r.doneReason()).isEqualTo(DoneReason.CANCELLED);
            assertThat(r.generatedTokens()).as("stopped within a couple of tokens of the disconnect").isLessThanOrEqualTo(8);
        });
    }

    private TestHttp.Response call(String body) {
        try {
            return http.post("/api/generate", body);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
