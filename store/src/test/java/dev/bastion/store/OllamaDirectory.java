package dev.bastion.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Writes an Ollama models directory as Ollama lays it out: blobs/sha256-<hex> and manifests/<host>/<ns>/<name>/<tag>. */
final class OllamaDirectory {

    static final ObjectMapper JSON = new ObjectMapper();
    final Path root;
    final ObjectNode manifest = JSON.createObjectNode();

    OllamaDirectory(Path root) throws IOException {
        this.root = Files.createDirectories(root);
        Files.createDirectories(root.resolve("blobs"));
        manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        manifest.set("config", descriptor("application/vnd.docker.container.image.v1+json",
                blob("{\"model_format\":\"gguf\",\"model_family\":\"llama\"}".getBytes(StandardCharsets.UTF_8))));
        manifest.putArray("layers");
    }

    /** Writes {@code content} as a blob; returns its digest. */
    String blob(byte[] content) throws IOException {
        String hex = HexFormat.of().formatHex(sha256(content));
        Files.write(root.resolve("blobs").resolve("sha256-" + hex), content);
        return "sha256:" + hex;
    }

    OllamaDirectory layer(String mediaType, byte[] content) throws IOException {
        ((ArrayNode) manifest.get("layers")).add(descriptor(mediaType, blob(content)));
        return this;
    }

    OllamaDirectory layer(String mediaType, String text) throws IOException {
        return layer(mediaType, text.getBytes(StandardCharsets.UTF_8));
    }

    ObjectNode descriptor(String mediaType, String digest) throws IOException {
        Path blob = root.resolve("blobs").resolve("sha256-" + digest.substring("sha256:".length()));
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", Files.size(blob));
    }

    /** Writes the manifest as {@code registry.ollama.ai/library/<name>/<tag>} (or another host and namespace). */
    Path writeManifest(String host, String namespace, String name, String tag) throws IOException {
        Path file = root.resolve("manifests").resolve(host).resolve(namespace).resolve(name).resolve(tag);
        Files.createDirectories(file.getParent());
        return Files.write(file, JSON.writeValueAsBytes(manifest));
    }

    Path writeManifest(String name, String tag) throws IOException {
        return writeManifest(OllamaModels.DEFAULT_HOST, "library", name, tag);
    }

    Path blobPath(String digest) {
        return root.resolve("blobs").resolve("sha256-" + digest.substring("sha256:".length()));
    }

    static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
