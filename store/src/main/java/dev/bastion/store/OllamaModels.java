package dev.bastion.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a model out of an Ollama models directory ({@code ~/.ollama/models}): the manifest at
 * {@code manifests/<host>/<namespace>/<name>/<tag>} and the blobs {@code blobs/sha256-<hex>} its layers name. Every
 * blob the model uses has its SHA-256 checked against its digest (the small ones here, the weights by the store as it
 * links or copies them), must be a regular file, and may be a symbolic link only to a file inside the directory.
 * Nothing in the directory is ever written.
 */
public final class OllamaModels {

    public static final String DEFAULT_HOST = "registry.ollama.ai";
    static final String MODEL = "application/vnd.ollama.image.model";
    static final String TEMPLATE = "application/vnd.ollama.image.template";
    static final String PARAMS = "application/vnd.ollama.image.params";
    static final String SYSTEM = "application/vnd.ollama.image.system";
    static final String LICENSE = "application/vnd.ollama.image.license";
    static final long MAX_MANIFEST_BYTES = 1 << 20;
    static final long MAX_TEXT_BYTES = 1 << 20;
    static final int MAX_LAYERS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("sha256[:-]([0-9a-f]{64})");
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private OllamaModels() {}

    /**
     * A model of the directory, checked and with its small layers read.
     *
     * @param weights the GGUF blob (verified by the store as it takes it)
     * @param parameters the params layer as Modelfile parameters (only those Bastion knows)
     * @param warnings what was left out (projector, unknown parameters, …), one line each
     */
    public record Model(String reference, Blob weights, Map<String, Object> parameters, String template, String system,
                        String license, List<String> warnings) {}

    /** A blob of the directory: its resolved path and what the manifest says it is. */
    public record Blob(Path path, String digest, long size) {}

    /** {@code $OLLAMA_MODELS}, else {@code ~/.ollama/models}, as Ollama finds its models. */
    public static Path defaultDirectory(Map<String, String> env) {
        String configured = env.get("OLLAMA_MODELS");
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        return Path.of(System.getProperty("user.home"), ".ollama", "models");
    }

    /** The store name an Ollama reference imports as by default: its namespace (unless library), name and tag. */
    public static ModelName storeName(String reference) throws InvalidModelException {
        String[] parts = parts(reference);
        String namespace = parts[1].toLowerCase(Locale.ROOT);
        try {
            return new ModelName(namespace, parts[2].toLowerCase(Locale.ROOT), parts[3]);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException("Ollama model '" + ModelName.printable(reference) + "' has no valid Bastion name; give one with --name");
        }
    }

    /**
     * Reads {@code reference} ({@code [host/][namespace/]name[:tag]}, defaults {@code registry.ollama.ai}, {@code library},
     * {@code latest}) from {@code directory}.
     *
     * @throws InvalidModelException naming the manifest or blob at fault: unknown model, malformed or oversized manifest,
     *                               a digest that is not {@code sha256:<64 hex>}, a missing blob, a size or digest
     *                               mismatch, a link out of the directory, no model layer or several
     */
    public static Model read(Path directory, String reference) throws IOException {
        Path root;
        try {
            root = directory.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("the Ollama models directory does not exist");
        }
        String[] p = parts(reference);
        String printable = p[0] + "/" + p[1] + "/" + p[2] + ":" + p[3];
        Path manifestPath = root.resolve("manifests").resolve(p[0]).resolve(p[1]).resolve(p[2]).resolve(p[3]);
        Path manifestFile = inside(root, manifestPath, "the manifest of " + printable, "no model " + printable + " in the Ollama models directory");
        JsonNode manifest;
        try {
            manifest = JSON.readTree(readCapped(manifestFile, MAX_MANIFEST_BYTES, "the manifest of " + printable));
        } catch (IOException e) {
            if (e instanceof InvalidModelException) throw e;
            throw new InvalidModelException("the manifest of " + printable + " is not valid JSON");
        }
        if (manifest == null || !manifest.isObject() || manifest.path("schemaVersion").asInt() != 2 || !manifest.path("layers").isArray()) {
            throw new InvalidModelException("the manifest of " + printable + " is not an Ollama manifest (schemaVersion 2 with layers)");
        }
        JsonNode layers = manifest.get("layers");
        if (layers.size() > MAX_LAYERS) throw new InvalidModelException("the manifest of " + printable + " has more than " + MAX_LAYERS + " layers");
        if (manifest.has("config")) text(blob(root, manifest.get("config"), printable, "config"), printable, "config");

        Blob weights = null;
        String template = null;
        String system = null;
        List<String> licenses = new ArrayList<>();
        Map<String, Object> parameters = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (JsonNode layer : layers) {
            String mediaType = layer.path("mediaType").asText("");
            switch (mediaType) {
                case MODEL -> {
                    if (weights != null) throw new InvalidModelException("the manifest of " + printable + " has more than one model layer");
                    weights = blob(root, layer, printable, "model");
                }
                case TEMPLATE -> template = text(blob(root, layer, printable, "template"), printable, "template");
                case SYSTEM -> system = text(blob(root, layer, printable, "system"), printable, "system");
                case LICENSE -> licenses.add(text(blob(root, layer, printable, "license"), printable, "license"));
                case PARAMS -> parameters = parameters(text(blob(root, layer, printable, "params"), printable, "params"), printable, warnings);
                case "application/vnd.ollama.image.adapter" ->
                        throw new InvalidModelException(printable + " has a LoRA adapter layer, which Bastion cannot apply");
                case "application/vnd.ollama.image.projector" ->
                        warnings.add("left out the vision projector: Bastion serves the text model only");
                default -> warnings.add("left out a layer of type '" + ModelName.printable(mediaType) + "'");
            }
        }
        if (weights == null) throw new InvalidModelException("the manifest of " + printable + " has no model layer (" + MODEL + ")");
        return new Model(printable, weights, parameters, template, system,
                licenses.isEmpty() ? null : String.join("\n\n", licenses), List.copyOf(warnings));
    }

    /** host, namespace, name, tag of a reference; each part a plain path component. */
    private static String[] parts(String reference) throws InvalidModelException {
        if (reference == null || reference.length() > 512) throw new InvalidModelException("Ollama model name is missing or too long");
        String rest = reference;
        String tag = ModelName.DEFAULT_TAG;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String[] path = rest.split("/", -1);
        if (path.length > 3) throw invalidReference(reference);
        String host = path.length == 3 ? path[0] : DEFAULT_HOST;
        String namespace = path.length >= 2 ? path[path.length - 2] : ModelName.DEFAULT_NAMESPACE;
        String name = path[path.length - 1];
        for (String part : List.of(host, namespace, name, tag)) {
            if (!PART.matcher(part).matches() || part.contains("..")) throw invalidReference(reference);
        }
        return new String[] {host, namespace, name, tag};
    }

    private static InvalidModelException invalidReference(String reference) {
        return new InvalidModelException("'" + ModelName.printable(reference) + "' is not an Ollama model name ([host/][namespace/]name[:tag])");
    }

    /** A layer's blob: its digest well-formed, its file present, regular, inside the directory and of the stated size. */
    private static Blob blob(Path root, JsonNode layer, String model, String what) throws IOException {
        String digest = layer.path("digest").asText("");
        var m = DIGEST.matcher(digest);
        if (!m.matches()) {
            throw new InvalidModelException("the manifest of " + model + " names its " + what + " blob by '" + ModelName.printable(digest)
                    + "', which is not a sha256 digest");
        }
        String name = "sha256-" + m.group(1);
        long size = layer.path("size").asLong(-1);
        if (!layer.path("size").canConvertToLong() || size < 0) {
            throw new InvalidModelException("the manifest of " + model + " gives its " + what + " blob no valid size");
        }
        Path file = inside(root, root.resolve("blobs").resolve(name), "the " + what + " blob " + name,
                "the " + what + " blob " + name + " of " + model + " is missing");
        long actual = Files.size(file);
        if (actual != size) {
            throw new InvalidModelException("the " + what + " blob " + name + " of " + model + " has " + actual + " bytes, its manifest says "
                    + size + " (incomplete download or tampered with)");
        }
        return new Blob(file, "sha256:" + m.group(1), size);
    }

    /**
     * The real path of {@code path}, which must be a regular file inside {@code root}: a symbolic link anywhere on the
     * way may only lead to another file of the directory.
     */
    private static Path inside(Path root, Path path, String what, String missing) throws IOException {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(missing);
        }
        if (!real.startsWith(root)) throw new InvalidModelException(what + " is a symbolic link out of the Ollama models directory");
        if (!Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
            throw new InvalidModelException(what + " is not a regular file");
        }
        return real;
    }

    private static byte[] readCapped(Path file, long max, String what) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) max + 1);
            if (bytes.length > max) throw new InvalidModelException(what + " is larger than " + max + " bytes");
            return bytes;
        }
    }

    /** A small layer's text, after its SHA-256 was checked against its digest. */
    private static String text(Blob blob, String model, String what) throws IOException {
        String name = "sha256-" + blob.digest().substring("sha256:".length());
        byte[] bytes = readCapped(blob.path(), MAX_TEXT_BYTES, "the " + what + " blob " + name + " of " + model);
        String actual = "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
        if (!actual.equals(blob.digest()) || bytes.length != blob.size()) {
            throw new InvalidModelException("the " + what + " blob " + name + " of " + model + " does not match its digest (corrupt or tampered with)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidModelException("the " + what + " blob " + name + " of " + model + " is not UTF-8 text");
        }
    }

    /** Ollama's params JSON as Modelfile parameters; parameters Bastion has no use for are left out with a warning. */
    private static Map<String, Object> parameters(String json, String model, List<String> warnings) throws InvalidModelException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidModelException("the params blob of " + model + " is not valid JSON");
        }
        if (node == null || !node.isObject()) throw new InvalidModelException("the params blob of " + model + " is not a JSON object");
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            var parameter = ModelParameter.fromKey(field.getKey());
            if (parameter.isEmpty()) {
                warnings.add("left out the parameter '" + ModelName.printable(field.getKey()) + "', which Bastion does not use");
                continue;
            }
            try {
                if (parameter.get().repeatable()) {
                    List<Object> values = new ArrayList<>();
                    JsonNode value = field.getValue();
                    for (JsonNode v : value.isArray() ? value : JSON.createArrayNode().add(value)) {
                        values.add(parameter.get().parseVerbatim(v.asText()));
                    }
                    out.put(parameter.get().key(), List.copyOf(values));
                } else {
                    JsonNode value = field.getValue().isArray() && field.getValue().size() == 1 ? field.getValue().get(0) : field.getValue();
                    out.put(parameter.get().key(), parameter.get().parse(value.asText()));
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidModelException("the params blob of " + model + ": " + e.getMessage());
            }
        }
        return out;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK must provide SHA-256", e);
        }
    }
}
