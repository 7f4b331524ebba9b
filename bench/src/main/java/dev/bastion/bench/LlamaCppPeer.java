package dev.bastion.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama.cpp through node-llama-cpp's prebuilt CPU binaries ({@code bench/llamacpp/peer.mjs}), one long-lived node
 * process answering one JSON line per request, so model loading is paid once and each timing is taken inside node
 * around llama.cpp's own calls.
 */
final class LlamaCppPeer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    private LlamaCppPeer(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the peer from {@code dir} (bench/llamacpp, with node_modules installed by {@code npm ci}). */
    static LlamaCppPeer start(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("node_modules/node-llama-cpp/package.json"))) {
            throw new IOException("node-llama-cpp is not installed: run `npm ci` in " + dir);
        }
        ProcessBuilder pb = new ProcessBuilder("node", "peer.mjs").directory(dir.toFile());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new LlamaCppPeer(pb.start());
    }

    void load(Path gguf, int threads, int context, int batch) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("cmd", "load").put("model", gguf.toString())
                .put("threads", threads).put("context", context).put("batch", batch);
        call(req);
    }

    /** Milliseconds llama.cpp took to evaluate {@code tokens} from an empty sequence in its batches. */
    double prefillMillis(int[] tokens) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("cmd", "prefill");
        req.set("tokens", JSON.valueToTree(tokens));
        return call(req).get("ms").asDouble();
    }

    /** Milliseconds for {@code tokens} evaluated one per step after an untimed {@code prefix}. */
    double decodeMillis(int[] prefix, int[] tokens) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("cmd", "decode");
        req.set("prefix", JSON.valueToTree(prefix));
        req.set("tokens", JSON.valueToTree(tokens));
        return call(req).get("ms").asDouble();
    }

    /** Per position of {@code tokens}: llama.cpp's {@code top} most probable next tokens as (id, probability). */
    List<List<double[]>> topProbabilities(int[] tokens, int top) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("cmd", "probs").put("top", top);
        req.set("tokens", JSON.valueToTree(tokens));
        List<List<double[]>> positions = new ArrayList<>();
        for (JsonNode position : call(req).get("probs")) {
            List<double[]> pairs = new ArrayList<>();
            for (JsonNode pair : position) pairs.add(new double[] {pair.get(0).asDouble(), pair.get(1).asDouble()});
            positions.add(pairs);
        }
        return positions;
    }

    void unload() throws IOException {
        call(JSON.createObjectNode().put("cmd", "unload"));
    }

    private JsonNode call(ObjectNode request) throws IOException {
        in.write(JSON.writeValueAsString(request));
        in.write('\n');
        in.flush();
        String line = out.readLine();
        if (line == null) throw new IOException("the llama.cpp peer exited (code " + exitCode() + ")");
        JsonNode answer = JSON.readTree(line);
        if (!answer.path("ok").asBoolean()) {
            throw new IOException("llama.cpp peer: " + answer.path("error").asText("no answer"));
        }
        return answer;
    }

    private String exitCode() {
        try {
            return String.valueOf(process.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroy();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
    }
}
