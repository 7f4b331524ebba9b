package dev.bastion.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.engine.model.ArchitectureSupport;
import dev.bastion.engine.model.ModelConfig;

import javax.crypto.SecretKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The model store under a home directory, laid out like Ollama's: {@code blobs/sha256-<hex>} content-addressed files
 * and {@code manifests/<namespace>/<name>/<tag>} JSON manifests. Writers (import, create, copy, delete) are serialized
 * by a lock that also holds across processes; readers need none, since every file is replaced by an atomic rename.
 */
public final class ModelStore {

    /** Kept free beyond the bytes an import needs, so the store never fills the disk to the last byte. */
    static final long FREE_SPACE_MARGIN = 64L << 20;
    static final String VERIFIED_MARKER = ".verified";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    /** Test seam: runs after a blob's temp file is complete, before it is renamed into place; may throw. */
    interface BlobHook {
        void beforeCommit(Path tempFile, Layer layer) throws IOException;
    }

    private final Path root;
    private final Path blobs;
    private final Path manifests;
    private final Path runtime;
    private final BlobUploads uploads;
    private final StoreLock lock;
    private final Garbage removedAtOpen;
    private final BlobKeys keys;
    private final StoreEncryption encryption;
    /** Whether blobs this instance writes are encrypted: the home's switch, or {@link #encrypting()}. */
    private final boolean encryptNew;
    volatile BlobHook blobHook = (temp, layer) -> {};
    volatile long freeSpaceMargin = FREE_SPACE_MARGIN;
    /** Plaintext bytes per encrypted chunk; tests make it small to have blobs of many chunks. */
    volatile int chunkSize = BlobCipher.DEFAULT_CHUNK;
    /** How many blobs have been fully hashed to verify them; lets tests see the verified-marker cache work. */
    final AtomicLong blobsVerified = new AtomicLong();

    public ModelStore(Path home) throws IOException {
        this(home, StoreEncryption.NONE);
    }

    /**
     * A store that can read encrypted blobs with {@code encryption}'s key, and encrypts every blob it writes when
     * {@code encryption.encryptAll()} (the home's switch).
     */
    public ModelStore(Path home, StoreEncryption encryption) throws IOException {
        this.encryption = encryption;
        this.encryptNew = encryption.encryptAll();
        StoreFiles.createPrivateDirectories(home.toAbsolutePath().normalize());
        this.root = home.toRealPath();
        this.blobs = root.resolve("blobs");
        this.manifests = root.resolve("manifests");
        this.runtime = root.resolve("runtime");
        for (Path dir : List.of(blobs, manifests, runtime)) StoreFiles.createPrivateDirectories(dir);
        this.uploads = new BlobUploads(root.resolve("uploads"));
        this.lock = new StoreLock(root.resolve(".lock"));
        this.keys = new BlobKeys(root.resolve("blob-keys"));
        StoreFiles.createPrivateDirectories(keys.dir());
        // Every writer holds the lock from its first temp file until its manifest is written, so with the lock held,
        // temporaries and unreferenced blobs are what a crashed writer left (kill -9 mid-import). While another
        // process holds the lock, they may be its work in progress: they are left to the next open.
        Optional<StoreLock.Held> held = lock.tryAcquire();
        Garbage swept = new Garbage(List.of(), 0, null);
        if (held.isPresent()) {
            try (StoreLock.Held h = held.get()) {
                swept = sweep();
            }
        }
        this.removedAtOpen = swept;
    }

    /** The same store, writing every new blob encrypted ({@code create --encrypt}); needs a key. */
    private ModelStore(ModelStore base) {
        this.root = base.root;
        this.blobs = base.blobs;
        this.manifests = base.manifests;
        this.runtime = base.runtime;
        this.uploads = base.uploads;
        this.lock = base.lock;
        this.removedAtOpen = base.removedAtOpen;
        this.keys = base.keys;
        this.encryption = base.encryption;
        this.encryptNew = true;
        this.blobHook = base.blobHook;
        this.freeSpaceMargin = base.freeSpaceMargin;
        this.chunkSize = base.chunkSize;
    }

    /**
     * This store, writing the blobs of what it creates or imports encrypted (and encrypting blobs it reuses that are
     * stored in clear, so the model is encrypted whole).
     *
     * @throws IllegalStateException when the store was opened without a key
     */
    public ModelStore encrypting() {
        if (encryption.kek() == null) throw new IllegalStateException("encryption needs the server secret, which this store was opened without");
        return encryptNew ? this : new ModelStore(this);
    }

    /** Whether the store has a key, so it can read encrypted blobs and {@link #encrypting()} can write them. */
    public boolean hasKey() {
        return encryption.kek() != null;
    }

    /** Whether new blobs are written encrypted. */
    public boolean encryptsNewBlobs() {
        return encryptNew;
    }

    /** What opening the store removed (nothing when another writer held the lock); {@code store gc} reports it. */
    public Garbage removedAtOpen() {
        return removedAtOpen;
    }

    /**
     * What {@link #collectGarbage()} removed (paths relative to the home) and their bytes.
     *
     * @param keptBecause null, or why unreferenced blobs were kept (a manifest that cannot be read)
     */
    public record Garbage(List<String> files, long bytes, String keptBecause) {
        public Garbage {
            files = List.copyOf(files);
        }

        /** This removal followed by {@code later}. */
        public Garbage then(Garbage later) {
            List<String> all = new ArrayList<>(files);
            all.addAll(later.files);
            return new Garbage(all, bytes + later.bytes, later.keptBecause);
        }
    }

    /** What {@link #verify()} checked, and every problem it found, one line each. */
    public record Verification(int manifests, int blobs, List<String> problems) {
        public Verification {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Removes temp files, blobs no manifest references and stale runtime directories, waiting for writers to finish.
     * Blobs are kept while any manifest is unreadable, since it may reference them.
     */
    public Garbage collectGarbage() throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            return sweep();
        }
    }

    /**
     * Re-hashes every blob against the digest that is its name and checks that every manifest parses and that its
     * layers' blobs exist. Holds the store lock, so writers wait until it is done.
     */
    public Verification verify() throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            List<String> problems = new ArrayList<>();
            List<Path> manifestFiles = manifestFiles();
            for (Path path : manifestFiles) {
                Manifest manifest;
                try {
                    manifest = parseManifest(path, Files.readAllBytes(path));
                } catch (InvalidModelException e) {
                    problems.add(e.getMessage().lines().findFirst().orElse("corrupt manifest " + path));
                    continue;
                }
                for (Layer layer : manifest.allLayers()) {
                    if (!Files.isRegularFile(blobPath(layer), LinkOption.NOFOLLOW_LINKS)) {
                        problems.add("model '" + modelNameOf(path) + "': blob " + blobFileName(layer) + " (" + layer.fileName() + ") is missing");
                    }
                }
            }
            List<Path> blobFiles;
            try (Stream<Path> files = Files.list(blobs)) {
                blobFiles = files.filter(p -> p.getFileName().toString().startsWith("sha256-")).sorted().toList();
            }
            for (Path blob : blobFiles) {
                String expected = "sha256:" + blob.getFileName().toString().substring("sha256-".length());
                String actual;
                try (InputStream in = openPlain(blob, expected, 0)) {
                    actual = sha256Of(in).digest();
                } catch (InvalidModelException e) {
                    problems.add(e.getMessage());
                    continue;
                }
                blobsVerified.incrementAndGet();
                if (!actual.equals(expected)) {
                    problems.add("blob " + blob.getFileName() + " does not match its digest: its content hashes to " + actual
                            + " (corrupt or tampered with)");
                }
            }
            return new Verification(manifestFiles.size(), blobFiles.size(), problems);
        }
    }

    public Path home() {
        return root;
    }

    /** Blobs uploaded for a later {@link #importUploads}. */
    public BlobUploads uploads() {
        return uploads;
    }

    /**
     * Imports a model from uploaded blobs: {@code files} maps each file name (config.json, model.safetensors,
     * tokenizer.json, …) to its digest; validated as {@link #importDirectory} validates a directory. The uploads are
     * consumed (the model's blobs are the store's copy); after a failure they stay for another attempt.
     *
     * A single {@code .gguf} file is imported as {@link #importGguf} does.
     *
     * @throws InvalidModelException for unknown digests or an invalid model
     */
    public Manifest importUploads(ModelName name, Map<String, String> files, String owner) throws IOException {
        List<String> ggufNames = files.keySet().stream().filter(f -> f.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")).toList();
        if (!ggufNames.isEmpty()) {
            if (files.size() != 1) {
                throw new InvalidModelException("a GGUF model is one file: 'files' must name only the .gguf file");
            }
            BlobUploads.Staged staged = uploads.stage(files);
            Manifest manifest;
            try {
                manifest = importGguf(staged.dir().resolve(ggufNames.getFirst()), name, owner);
            } catch (IOException | RuntimeException e) {
                uploads.unstage(staged);
                throw e;
            }
            StoreFiles.deleteRecursively(staged.dir());
            return manifest;
        }
        if (!files.containsKey(ModelDirectory.CONFIG)) {
            throw new InvalidModelException("'files' must include config.json (and the safetensors weights and tokenizer.json)");
        }
        BlobUploads.Staged staged = uploads.stage(files);
        Manifest manifest;
        try {
            manifest = importDirectory(staged.dir(), name, owner);
        } catch (IOException | RuntimeException e) {
            uploads.unstage(staged); // the client may fix the request and create again from the same uploads
            throw e;
        }
        StoreFiles.deleteRecursively(staged.dir());
        return manifest;
    }

    /**
     * Imports a Hugging Face style directory (config.json, *.safetensors, tokenizer.json, …) under {@code name}; a
     * {@code .gguf} file is imported as {@link #importGguf} does.
     */
    public Manifest importDirectory(Path modelDir, ModelName name, String owner) throws IOException {
        if (isGgufFile(modelDir)) return importGguf(modelDir, name, owner);
        ModelDirectory source = ModelDirectory.scan(modelDir);
        try (StoreLock.Held held = lock.acquire()) {
            return commit(name, owner, source, null, null, null);
        }
    }

    /**
     * Imports a GGUF file under {@code name} as one blob (the manifest's config layer), after validating it as the
     * engine reads it: the header and every cap of the GGUF reader, the tensor layout, the config and tokenizer keys.
     * The file must be a regular file of its own (no symbolic or hard link), as a directory's files must.
     */
    public Manifest importGguf(Path file, ModelName name, String owner) throws IOException {
        return importGguf(file, name, owner, null);
    }

    /**
     * Like {@link #importGguf(Path, ModelName, String)}, adding the parameters, template, system prompt and license of
     * {@code extras} (null: none; its FROM is ignored), as an Ollama model's layers bring them.
     *
     * @throws ModelfileException for a TEMPLATE outside the subset generation renders, before anything is written
     */
    public Manifest importGguf(Path file, ModelName name, String owner, Modelfile extras) throws IOException {
        if (extras != null && extras.template() != null) Modelfile.requireRenderable(0, extras.template());
        ModelDirectory source = ModelDirectory.ggufFile(file);
        try (StoreLock.Held held = lock.acquire()) {
            return commit(name, owner, source, null, extras, null);
        }
    }

    private static boolean isGgufFile(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /**
     * Creates {@code name} from a Modelfile: its FROM is a model of the store, else a model directory resolved
     * against {@code baseDir}; the Modelfile's parameters, template, system prompt and license override the base's.
     *
     * @param baseDir null allows only models of the store as FROM (for remote callers, who must not read server paths)
     * @throws ModelfileException for a TEMPLATE outside the subset generation renders, before anything is written
     */
    public Manifest create(ModelName name, Modelfile modelfile, String owner, Path baseDir) throws IOException {
        return create(name, modelfile, owner, baseDir, null);
    }

    /**
     * Like {@link #create(ModelName, Modelfile, String, Path)}, recording {@code quantization} as the model's load
     * format (the blobs stay the original SafeTensors); null keeps the base model's (none for a directory).
     */
    public Manifest create(ModelName name, Modelfile modelfile, String owner, Path baseDir, Quantization quantization)
            throws IOException {
        if (modelfile.template() != null) Modelfile.requireRenderable(0, modelfile.template());
        Optional<ModelName> baseName = parseOrEmpty(modelfile.from());
        ModelDirectory source = null;
        if (baseName.isEmpty() || !Files.exists(manifestPath(baseName.get()))) {
            if (baseDir == null) {
                throw new InvalidModelException("FROM '" + ModelName.printable(modelfile.from()) + "': no model of that name in the store");
            }
            Path dir = baseDir.resolve(modelfile.from()).normalize();
            if (isGgufFile(dir)) {
                source = ModelDirectory.ggufFile(dir);
            } else if (!Files.isDirectory(dir)) {
                throw new InvalidModelException("FROM '" + ModelName.printable(modelfile.from())
                        + "': no model of that name in the store and no directory " + dir);
            } else {
                source = ModelDirectory.scan(dir);
            }
        }
        try (StoreLock.Held held = lock.acquire()) {
            Manifest base = source != null ? null : readManifest(baseName.get());
            Quantization effective = quantization != null || base == null ? quantization : base.quantization();
            return commit(name, owner, source, base, modelfile, effective);
        }
    }

    /**
     * Creates {@code name} from a Modelfile with its weights quantized by {@code mix} (Ollama's {@code create
     * --quantize}): the base (a safetensors model of the store, or a model directory resolved against {@code baseDir})
     * is quantized and written as one GGUF blob, so the store keeps a fraction of its bytes. The base's parameters,
     * template, system prompt and license carry over under the Modelfile's. Holds the store lock while it works.
     */
    public Manifest createQuantized(ModelName name, Modelfile modelfile, String owner, Path baseDir, QuantizationMix mix,
                                    QuantizeProgress progress) throws IOException {
        if (modelfile.template() != null) Modelfile.requireRenderable(0, modelfile.template());
        Optional<ModelName> baseName = parseOrEmpty(modelfile.from());
        boolean fromStore = baseName.isPresent() && Files.exists(manifestPath(baseName.get()));
        ModelDirectory directory = null;
        Path materialized = null;
        if (fromStore) {
            if (readManifest(baseName.get()).isGguf()) {
                throw new InvalidModelException("FROM '" + baseName.get() + "' is a GGUF model; quantizing needs a safetensors model");
            }
            materialized = materialize(baseName.get());
        } else {
            if (baseDir == null) {
                throw new InvalidModelException("FROM '" + ModelName.printable(modelfile.from()) + "': no model of that name in the store");
            }
            Path dir = baseDir.resolve(modelfile.from()).normalize();
            if (!Files.isDirectory(dir)) {
                throw new InvalidModelException("FROM '" + ModelName.printable(modelfile.from())
                        + "': quantizing needs a model of the store or a safetensors model directory");
            }
            directory = ModelDirectory.scan(dir);
        }
        try (StoreLock.Held held = lock.acquire()) {
            Path work = runtime.resolve(StoreFiles.HIDDEN_TEMP_PREFIX + UUID.randomUUID());
            try {
                StoreFiles.createPrivateDirectories(work);
                Modelfile effective = modelfile;
                Path gguf;
                if (fromStore) {
                    Manifest base = readManifest(baseName.get()); // again under the lock: it may have changed meanwhile
                    effective = underBase(modelfile, base);
                    gguf = QuantizedGgufFile.fromVerified(materialized, work, mix, progress);
                } else {
                    requireFreeSpace(directory.totalSize());
                    gguf = QuantizedGgufFile.fromDirectory(directory, work, mix, progress);
                }
                return commit(name, owner, ModelDirectory.ggufFile(gguf), null, effective, null);
            } finally {
                StoreFiles.deleteRecursively(work);
            }
        }
    }

    /** What {@link #importOllama} did with the weights: hard-linked them (no copy, no extra disk space) or copied them. */
    public record OllamaImport(Manifest manifest, boolean linked) {}

    /**
     * Imports a model read from an Ollama models directory as a GGUF model (as {@link #importGguf} stores one): its
     * weights are hard-linked into the blobs (copied when the directory is on another file system), their SHA-256
     * checked against the digest and the file read as the engine reads GGUF, all before the manifest names them; the
     * template, system prompt, license and parameters become the model's. Ollama's files are never modified (a linked
     * blob keeps its permissions). The manifest is written last, so a failure leaves no model.
     *
     * @throws ModelfileException for a template that generation could not render, before anything is written
     */
    public OllamaImport importOllama(OllamaModels.Model model, ModelName name, String owner) throws IOException {
        if (model.template() != null) Modelfile.requireRenderable(0, model.template());
        try (StoreLock.Held held = lock.acquire()) {
            try {
                OllamaModels.Blob source = model.weights();
                Layer weights = new Layer(LayerType.GGUF.mediaType(), source.digest(), source.size(), ModelDirectory.GGUF_FILE);
                boolean linked = linkOrCopyVerified(source, weights);
                if (encryptNew) {
                    encryptInPlace(weights); // the link is replaced by an encrypted copy; Ollama's file stays as it is
                    linked = false;
                }
                List<Layer> layers = new ArrayList<>();
                if (!model.parameters().isEmpty()) {
                    replaceLayer(layers, LayerType.PARAMS, "params.json", JSON.writeValueAsBytes(model.parameters()));
                }
                if (model.template() != null) replaceLayer(layers, LayerType.TEMPLATE, "template", utf8(model.template()));
                if (model.system() != null) replaceLayer(layers, LayerType.SYSTEM, "system", utf8(model.system()));
                if (model.license() != null) replaceLayer(layers, LayerType.LICENSE, "LICENSE", utf8(model.license()));
                Manifest manifest = new Manifest(Manifest.SCHEMA_VERSION, weights, layers, owner, Instant.now());
                boolean replaced = Files.exists(manifestPath(name));
                writeManifestBytes(name, JSON.writeValueAsBytes(manifest));
                if (replaced) removeUnreferenced(new Removal());
                return new OllamaImport(manifest, linked);
            } catch (IOException | RuntimeException | Error e) {
                try {
                    removeUnreferenced(new Removal());
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }
    }

    /** Puts {@code source} at {@code layer}'s blob through a temp hard link (else a copy), hashed before it is renamed. */
    private boolean linkOrCopyVerified(OllamaModels.Blob source, Layer layer) throws IOException {
        // A temp directory holding the blob under its own name, so that errors about the file name the blob
        Path tempDir = blobs.resolve(StoreFiles.TEMP_PREFIX + UUID.randomUUID());
        Path temp = tempDir.resolve(blobFileName(layer));
        try {
            StoreFiles.createPrivateDirectories(tempDir);
            boolean linked;
            try {
                Files.createLink(temp, source.path());
                linked = true;
            } catch (IOException | UnsupportedOperationException e) { // another file system, or no hard links here
                requireFreeSpace(source.size());
                try (InputStream in = Files.newInputStream(source.path());
                     OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
                linked = false;
            }
            // A blob swapped for a symbolic link since it was checked would be linked as that link: refused.
            if (!Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidModelException("the model blob " + blobFileName(layer) + " is not a regular file");
            }
            // Hashed through our own link or copy: what is verified is what the manifest will name.
            Hashed hashed = sha256Of(temp);
            blobsVerified.incrementAndGet();
            if (!hashed.digest().equals(layer.digest()) || hashed.size() != layer.size()) {
                throw new InvalidModelException("the model blob " + blobFileName(layer) + " does not match its digest "
                        + "(corrupt or tampered with): it hashes to " + hashed.digest());
            }
            if (layer.type() == LayerType.GGUF) ModelDirectory.requireLoadableGguf(temp);
            blobHook.beforeCommit(temp, layer);
            Path target = blobPath(layer);
            if (!(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == layer.size())) {
                if (!linked) StoreFiles.makeReadOnly(temp); // a linked blob is Ollama's file too: its mode stays
                StoreFiles.moveAtomically(temp, target);
                StoreFiles.syncDirectory(blobs);
            }
            return linked;
        } finally {
            StoreFiles.deleteRecursively(tempDir);
        }
    }

    /** {@code modelfile} with what it leaves unset taken from {@code base}'s layers. */
    private Modelfile underBase(Modelfile modelfile, Manifest base) throws IOException {
        Map<String, Object> parameters = new LinkedHashMap<>();
        Optional<Layer> baseParameters = base.layer(LayerType.PARAMS);
        if (baseParameters.isPresent()) parameters.putAll(readParameters(baseParameters.get()));
        parameters.putAll(modelfile.parameters());
        return new Modelfile(modelfile.from(), parameters,
                modelfile.template() != null ? modelfile.template() : readText(base, LayerType.TEMPLATE),
                modelfile.system() != null ? modelfile.system() : readText(base, LayerType.SYSTEM),
                modelfile.license() != null ? modelfile.license() : readText(base, LayerType.LICENSE));
    }

    public Optional<Manifest> manifest(ModelName name) throws IOException {
        Path path = manifestPath(name);
        if (!Files.isRegularFile(path)) return Optional.empty();
        return Optional.of(parseManifest(path, Files.readAllBytes(path)));
    }

    /** All models, most recently modified first; unreadable manifests are left out. */
    public List<ModelInfo> list() throws IOException {
        List<ModelInfo> models = new ArrayList<>();
        for (Path path : manifestFiles()) {
            Path relative = manifests.relativize(path);
            try {
                ModelName name = new ModelName(relative.getName(0).toString(), relative.getName(1).toString(),
                        relative.getName(2).toString());
                byte[] bytes = Files.readAllBytes(path);
                Manifest manifest = parseManifest(path, bytes);
                // an encrypted GGUF's type would cost decrypting it whole: not for a listing
                String level = manifest.isGguf() && manifest.quantization() == null && !isEncrypted(manifest.config())
                        ? GgufSummary.fileTypeOrNull(blobPath(manifest.config())) : null;
                models.add(new ModelInfo(name, digest(bytes), manifest.size(),
                        Files.getLastModifiedTime(path).toInstant(), manifest.owner(), manifest.quantization(), level));
            } catch (IllegalArgumentException | InvalidModelException | NoSuchFileException e) {
                // Foreign or corrupt file, or deleted meanwhile: not a model to list.
            }
        }
        models.sort(Comparator.comparing(ModelInfo::modifiedAt).reversed().thenComparing(m -> m.name().toString()));
        return models;
    }

    public ModelDetails show(ModelName name) throws IOException {
        Path path = manifestPath(name);
        byte[] bytes = readManifestBytes(name);
        Manifest manifest = parseManifest(path, bytes);
        requireKeys(name, manifest);
        Path configBlob = blobPath(manifest.config());
        Map<String, Object> parameters = manifest.layer(LayerType.PARAMS).isPresent()
                ? readParameters(manifest.layer(LayerType.PARAMS).get()) : Map.of();
        if (manifest.isGguf()) {
            GgufSummary gguf = ggufSummary(name, manifest);
            return new ModelDetails(name, digest(bytes), manifest.owner(), manifest.createdAt(), manifest.size(),
                    gguf.config().architecture(), gguf.parameterCount(), gguf.config().maxPositionEmbeddings(), gguf.fileType(),
                    manifest.quantization(), parameters, readText(manifest, LayerType.TEMPLATE), readText(manifest, LayerType.SYSTEM),
                    readText(manifest, LayerType.LICENSE), "gguf");
        }
        JsonNode raw;
        ModelConfig config;
        try {
            raw = JSON.readTree(readPlain(manifest.config()));
            config = ModelConfig.fromJson(raw);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidModelException("model '" + name + "': config blob " + configBlob.getFileName() + " is invalid: "
                    + e.getMessage(), e);
        }
        return new ModelDetails(name, digest(bytes), manifest.owner(), manifest.createdAt(), manifest.size(),
                config.architecture(), ArchitectureSupport.parameterCount(config), config.maxPositionEmbeddings(),
                raw.hasNonNull("torch_dtype") ? raw.get("torch_dtype").asText() : null, manifest.quantization(), parameters,
                readText(manifest, LayerType.TEMPLATE), readText(manifest, LayerType.SYSTEM), readText(manifest, LayerType.LICENSE));
    }

    /** The header of a stored GGUF model ({@code /api/show}'s model_info, template, control tokens); empty for others. */
    public Optional<GgufSummary> ggufSummary(ModelName name) throws IOException {
        Manifest manifest = parseManifest(manifestPath(name), readManifestBytes(name));
        return manifest.isGguf() ? Optional.of(ggufSummary(name, manifest)) : Optional.empty();
    }

    private GgufSummary ggufSummary(ModelName name, Manifest manifest) throws IOException {
        if (!isEncrypted(manifest.config())) return GgufSummary.read(name, blobPath(manifest.config()));
        requireKeys(name, manifest);
        return GgufSummary.read(name, new DecryptedModelFiles(this, name, manifest));
    }

    /** Points {@code to} at the same manifest as {@code from} (same digest); an existing {@code to} is replaced. */
    public void copy(ModelName from, ModelName to) throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            byte[] bytes = readManifestBytes(from);
            parseManifest(manifestPath(from), bytes);
            replaceManifest(to, bytes);
        }
    }

    /** Copies a model as {@code owner}'s (null: shared), so a user's copy of another's model is their own. */
    public void copy(ModelName from, ModelName to, String owner) throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            Manifest source = readManifest(from);
            Manifest copy = new Manifest(source.schemaVersion(), source.config(), source.layers(), owner, source.createdAt(),
                    source.quantization(), source.parent());
            replaceManifest(to, JSON.writeValueAsBytes(copy));
        }
    }

    private void replaceManifest(ModelName name, byte[] bytes) throws IOException {
        boolean replaced = Files.exists(manifestPath(name));
        writeManifestBytes(name, bytes);
        if (replaced) removeUnreferenced(new Removal());
    }

    /** Removes the model, then every blob no remaining manifest references. */
    public void delete(ModelName name) throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            Path path = manifestPath(name);
            if (!Files.deleteIfExists(path)) throw new ModelNotFoundException(name);
            StoreFiles.syncDirectory(path.getParent());
            deleteIfEmpty(path.getParent());
            deleteIfEmpty(path.getParent().getParent());
            removeUnreferenced(new Removal());
        }
    }

    /**
     * A directory the engine can load: the model's files under their original names, linked to the blobs, after
     * every blob's SHA-256 was checked against the manifest. The check is skipped while a marker records that the
     * same blobs (same size, mtime and file identity) were verified, and the blobs are older than the marker.
     */
    public Path materialize(ModelName name) throws IOException {
        byte[] bytes = readManifestBytes(name);
        Manifest manifest = parseManifest(manifestPath(name), bytes);
        Path dir = StoreFiles.contained(root, runtime.resolve(digest(bytes).substring("sha256:".length())));
        for (Layer layer : manifest.allLayers()) {
            if (isEncrypted(layer)) {
                throw new InvalidModelException("model '" + name + "' is encrypted: it is loaded into memory, never materialized in clear");
            }
        }
        Stamp stamp = stamp(name, manifest);
        if (isVerified(dir, manifest, stamp)) return dir;
        for (Layer layer : manifest.allLayers()) verifyBlob(name, layer);
        try (StoreLock.Held held = lock.acquire()) {
            if (linksIntact(dir, manifest)) {
                // Rewriting only the marker keeps the directory stable for an engine that is loading from it.
                StoreFiles.writeAtomically(dir.resolve(VERIFIED_MARKER), utf8(stamp.text()));
                return dir;
            }
            Path temp = runtime.resolve(StoreFiles.HIDDEN_TEMP_PREFIX + UUID.randomUUID());
            try {
                StoreFiles.createPrivateDirectories(temp);
                for (Layer layer : manifest.allLayers()) link(temp.resolve(layer.fileName()), blobPath(layer));
                Files.writeString(temp.resolve(VERIFIED_MARKER), stamp.text());
                StoreFiles.deleteRecursively(dir);
                StoreFiles.moveAtomically(temp, dir);
                StoreFiles.syncDirectory(runtime);
            } finally {
                StoreFiles.deleteRecursively(temp);
            }
        }
        return dir;
    }

    // ---- writing ----

    private Manifest commit(ModelName name, String owner, ModelDirectory source, Manifest base, Modelfile overrides,
                            Quantization quantization) throws IOException {
        requireFreeSpace(source == null ? 0 : source.totalSize());
        try {
            List<Layer> layers = new ArrayList<>();
            Layer config = null;
            if (base != null) {
                config = base.config();
                layers.addAll(base.layers());
                if (encryptNew) {
                    for (Layer layer : base.allLayers()) encryptInPlace(layer);
                }
            } else {
                for (ModelDirectory.Source file : source.files()) {
                    Layer layer;
                    try (InputStream in = file.open()) {
                        layer = storeBlob(in, file.type(), file.type() == LayerType.GGUF ? ModelDirectory.GGUF_FILE : file.fileName());
                    }
                    if (file.type() == LayerType.CONFIG || file.type() == LayerType.GGUF) config = layer;
                    else layers.add(layer);
                }
            }
            if (overrides != null) {
                Map<String, Object> parameters = new LinkedHashMap<>();
                Optional<Layer> baseParameters = layers.stream().filter(l -> l.type() == LayerType.PARAMS).findFirst();
                if (baseParameters.isPresent()) parameters.putAll(readParameters(baseParameters.get()));
                parameters.putAll(overrides.parameters());
                if (!parameters.isEmpty()) replaceLayer(layers, LayerType.PARAMS, "params.json", JSON.writeValueAsBytes(parameters));
                if (overrides.template() != null) replaceLayer(layers, LayerType.TEMPLATE, "template", utf8(overrides.template()));
                if (overrides.system() != null) replaceLayer(layers, LayerType.SYSTEM, "system", utf8(overrides.system()));
                if (overrides.license() != null) replaceLayer(layers, LayerType.LICENSE, "LICENSE", utf8(overrides.license()));
            }
            // a model re-created from itself (new parameters on the same weights) keeps its parent
            Optional<ModelName> from = base != null && overrides != null ? parseOrEmpty(overrides.from()) : Optional.empty();
            String parent = from.isEmpty() ? null : from.get().equals(name) ? base.parent() : from.get().toString();
            Manifest manifest = new Manifest(Manifest.SCHEMA_VERSION, config, layers, owner, Instant.now(), quantization, parent);
            boolean replaced = Files.exists(manifestPath(name));
            writeManifestBytes(name, JSON.writeValueAsBytes(manifest));
            if (replaced) removeUnreferenced(new Removal());
            return manifest;
        } catch (IOException | RuntimeException | Error e) {
            try {
                removeUnreferenced(new Removal());
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void replaceLayer(List<Layer> layers, LayerType type, String fileName, byte[] content) throws IOException {
        layers.removeIf(l -> l.type() == type);
        layers.add(storeBlob(new ByteArrayInputStream(content), type, fileName));
    }

    /**
     * Copies while hashing into {@code blobs/tmp-…} (encrypting when this store encrypts), syncs, and renames to its
     * digest; an existing blob is reused, except that one in clear is replaced by the encrypted copy.
     */
    private Layer storeBlob(InputStream in, LayerType type, String fileName) throws IOException {
        Path temp = blobs.resolve(StoreFiles.TEMP_PREFIX + UUID.randomUUID());
        try {
            MessageDigest sha = sha256();
            long size;
            SecretKey dataKey = encryptNew ? BlobKeys.newDataKey() : null;
            try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    privateFile())) {
                OutputStream file = Channels.newOutputStream(out);
                if (dataKey == null) {
                    size = new DigestInputStream(in, sha).transferTo(file);
                } else {
                    BlobCipher.Encrypting encrypting = BlobCipher.encrypting(file, dataKey, chunkSize);
                    size = new DigestInputStream(in, sha).transferTo(encrypting);
                    encrypting.finish();
                }
                out.force(true);
            }
            Layer layer = new Layer(type.mediaType(), "sha256:" + HexFormat.of().formatHex(sha.digest()), size, fileName);
            blobHook.beforeCommit(temp, layer);
            Path target = blobPath(layer);
            // never replace an encrypted blob by one in clear
            boolean stored = dataKey == null ? Files.isRegularFile(target) && (Files.size(target) == size || isEncrypted(layer))
                    : isEncrypted(layer);
            if (!stored) {
                // The key file first: a blob whose key is not yet written would be unreadable, a key without its blob is swept.
                if (dataKey != null) keys.write(blobFileName(layer), layer.digest(), dataKey, encryption.kek());
                StoreFiles.makeReadOnly(temp);
                StoreFiles.moveAtomically(temp, target);
                StoreFiles.syncDirectory(blobs);
            }
            return layer;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Replaces a blob stored in clear by its encrypted copy (a model created encrypted on a base's blobs). */
    private void encryptInPlace(Layer layer) throws IOException {
        if (isEncrypted(layer)) return;
        Path source = blobPath(layer);
        Layer stored;
        try (InputStream in = Files.newInputStream(source)) {
            stored = storeBlob(in, layer.type(), layer.fileName());
        }
        if (!stored.digest().equals(layer.digest()) || stored.size() != layer.size()) {
            throw new InvalidModelException("blob " + blobFileName(layer) + " does not match its digest (corrupt or tampered with)");
        }
    }

    // ---- encrypted blobs ----

    /** Whether the blob is stored encrypted: it has a key file and starts with the encrypted format's magic. */
    boolean isEncrypted(Layer layer) throws IOException {
        return isEncrypted(blobPath(layer));
    }

    private boolean isEncrypted(Path blob) throws IOException {
        if (!keys.exists(blob.getFileName().toString())) return false;
        try (InputStream in = Files.newInputStream(blob)) {
            return BlobCipher.hasMagic(in.readNBytes(BlobCipher.MAGIC.length));
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The blob's data key; errors say whether the secret is wrong, the key file gone or tampered with. */
    private SecretKey dataKey(Path blob, String digest) throws IOException {
        if (encryption.kek() == null) {
            throw new InvalidModelException("blob " + blob.getFileName() + " is encrypted and the store was opened without the server secret");
        }
        return keys.unwrap(blob.getFileName().toString(), digest, encryption.kek());
    }

    /** The blob's plaintext from {@code offset} on, decrypted (and authenticated chunk by chunk) when it is encrypted. */
    private InputStream openPlain(Path blob, String digest, long offset) throws IOException {
        if (!isEncrypted(blob)) {
            FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ);
            channel.position(offset);
            return Channels.newInputStream(channel);
        }
        SecretKey key = dataKey(blob, digest);
        FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ);
        try {
            return BlobCipher.decrypting(channel, key, offset, "blob " + blob.getFileName());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private InputStream openPlain(Layer layer) throws IOException {
        return openPlain(blobPath(layer), layer.digest(), 0);
    }

    private byte[] readPlain(Layer layer) throws IOException {
        try (InputStream in = openPlain(layer)) {
            return in.readAllBytes();
        }
    }

    /**
     * Decrypts an encrypted blob into {@code target} (its plaintext size), every chunk authenticated before use.
     */
    void decryptInto(Layer layer, MemorySegment target) throws IOException {
        Path blob = blobPath(layer);
        SecretKey key = dataKey(blob, layer.digest());
        try (FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ)) {
            BlobCipher.decryptInto(channel, key, target, "blob " + blob.getFileName());
        }
    }

    /** Checks that every encrypted blob of {@code manifest} has a data key this store can unwrap (the secret is right). */
    private void requireKeys(ModelName name, Manifest manifest) throws IOException {
        for (Layer layer : manifest.allLayers()) {
            if (!isEncrypted(layer)) continue;
            try {
                dataKey(blobPath(layer), layer.digest());
            } catch (InvalidModelException e) {
                throw new UndecryptableModelException(name, "model '" + name + "' cannot be decrypted: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The model's files for the engine. A model stored in clear is its {@link #materialize verified directory}
     * (weights memory-mapped); one with encrypted blobs is decrypted into memory when the engine maps each file, every
     * chunk authenticated, and blobs in clear among them are hash-checked as they are read.
     *
     * @throws UndecryptableModelException naming the model when a key cannot be unwrapped (wrong secret); reading a
     *         tampered chunk later fails the same way
     */
    public ModelFiles open(ModelName name) throws IOException {
        Manifest manifest = parseManifest(manifestPath(name), readManifestBytes(name));
        boolean encrypted = false;
        for (Layer layer : manifest.allLayers()) encrypted |= isEncrypted(layer);
        if (!encrypted) return ModelFiles.directory(materialize(name));
        requireKeys(name, manifest);
        return new DecryptedModelFiles(this, name, manifest);
    }

    /** Whether any blob of the model is stored encrypted. */
    public boolean isEncrypted(ModelName name) throws IOException {
        Manifest manifest = readManifest(name);
        for (Layer layer : manifest.allLayers()) {
            if (isEncrypted(layer)) return true;
        }
        return false;
    }

    /** Verifies a blob in clear against its layer, as {@link #materialize} does; for {@link DecryptedModelFiles}. */
    void verifyPlainBlob(ModelName name, Layer layer) throws IOException {
        verifyBlob(name, layer);
    }

    Path blobFile(Layer layer) {
        return blobPath(layer);
    }

    /** What {@link #rewrapKeys} did: key files given a wrap under the new key, and those that already had one. */
    public record Rewrap(int rewrapped, int alreadyDone) {}

    /**
     * First step of a rotation: every blob's data key is wrapped under {@code to} as well (unwrapping with {@code from});
     * blobs are not touched. Until {@link #dropOtherWraps} runs, both secrets open every blob, so a crash at any point
     * leaves the store readable with either. Holds the store lock.
     *
     * @throws InvalidModelException when a key file cannot be unwrapped with {@code from}: nothing is dropped then
     */
    public Rewrap rewrapKeys(KeyEncryptionKey from, KeyEncryptionKey to) throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            int done = 0;
            int already = 0;
            for (String blob : keys.names()) {
                if (!Files.isRegularFile(blobs.resolve(blob), LinkOption.NOFOLLOW_LINKS)) continue; // an orphan, swept later
                if (keys.addWrap(blob, "sha256:" + blob.substring("sha256-".length()), from, to)) done++;
                else already++;
            }
            return new Rewrap(done, already);
        }
    }

    /**
     * Last step of a rotation, once the new secret is in place: every key file keeps only its wrap under {@code keep},
     * so the old secret opens nothing any more. Returns the key files that have no wrap under {@code keep} (left as they are).
     */
    public List<String> dropOtherWraps(KeyEncryptionKey keep) throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            List<String> missing = new ArrayList<>();
            for (String blob : keys.names()) {
                if (!Files.isRegularFile(blobs.resolve(blob), LinkOption.NOFOLLOW_LINKS)) continue;
                if (!keys.keepOnly(blob, "sha256:" + blob.substring("sha256-".length()), keep)) missing.add(blob);
            }
            return missing;
        }
    }

    private void writeManifestBytes(ModelName name, byte[] bytes) throws IOException {
        Path path = manifestPath(name);
        StoreFiles.createPrivateDirectories(path.getParent());
        StoreFiles.writeAtomically(path, bytes);
    }

    private void requireFreeSpace(long bytes) throws IOException {
        long usable = Files.getFileStore(blobs).getUsableSpace();
        if (usable - freeSpaceMargin < bytes) {
            throw new IOException("not enough disk space in " + blobs + ": the model needs " + bytes + " bytes (+"
                    + freeSpaceMargin + " margin), " + usable + " are available");
        }
    }

    /** Deletes what {@link #collectGarbage()} describes; the caller holds the lock. */
    private Garbage sweep() throws IOException {
        Removal removal = new Removal();
        removeStaleTemporaries(removal);
        String keptBecause = removeUnreferenced(removal);
        return new Garbage(removal.files, removal.bytes, keptBecause);
    }

    /** Collects what was deleted, for {@link Garbage}. */
    private final class Removal {
        final List<String> files = new ArrayList<>();
        long bytes;

        void delete(Path path) throws IOException {
            long size;
            try (Stream<Path> all = Files.walk(path)) {
                size = all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(StoreFiles::sizeOrZero).sum();
            }
            StoreFiles.deleteRecursively(path);
            files.add(root.relativize(path).toString());
            bytes += size;
        }
    }

    /**
     * Deletes blobs and runtime directories that no manifest references; returns null, or why blobs were kept: an
     * unreadable manifest may reference any of them.
     */
    private String removeUnreferenced(Removal removal) throws IOException {
        Set<String> referencedBlobs = new HashSet<>();
        Set<String> manifestDigests = new HashSet<>();
        Set<String> signedDigests = new HashSet<>();
        for (Path path : manifestFiles()) {
            byte[] bytes = Files.readAllBytes(path);
            Manifest manifest;
            try {
                manifest = parseManifest(path, bytes);
            } catch (InvalidModelException e) {
                return "manifest " + manifests.relativize(path) + " cannot be read, so its blobs are unknown";
            }
            manifest.allLayers().forEach(l -> referencedBlobs.add(blobFileName(l)));
            manifestDigests.add(digest(bytes).substring("sha256:".length()));
            signedDigests.addAll(OciEncoding.registryDigests(manifest));
        }
        try (Stream<Path> files = Files.list(blobs)) {
            for (Path blob : files.sorted().toList()) {
                String fileName = blob.getFileName().toString();
                if (fileName.startsWith("sha256-") && !referencedBlobs.contains(fileName)) removal.delete(blob);
            }
        }
        // a key whose blob is gone (deleted above, or never moved in by a crashed writer) protects nothing
        for (String key : keys.names()) {
            if (!Files.exists(blobs.resolve(key), LinkOption.NOFOLLOW_LINKS)) removal.delete(keys.file(key));
        }
        try (Stream<Path> dirs = Files.list(runtime)) {
            for (Path dir : dirs.sorted().toList()) {
                String fileName = dir.getFileName().toString();
                if (!fileName.startsWith(".") && !manifestDigests.contains(fileName)) removal.delete(dir);
            }
        }
        removeUnusedSignatures(signedDigests, removal);
        return null;
    }

    /**
     * A signature goes with the last model it covers: one whose digest no remaining manifest has (every name of the
     * same content shares it). Other files in the directory are not the store's to judge and are left alone.
     */
    private void removeUnusedSignatures(Set<String> signedDigests, Removal removal) throws IOException {
        Path dir = root.resolve("signatures");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                java.util.regex.Matcher m = SIGNATURE_FILE.matcher(file.getFileName().toString());
                if (m.matches() && !signedDigests.contains("sha256:" + m.group(1))) removal.delete(file);
            }
        }
    }

    private void removeStaleTemporaries(Removal removal) throws IOException {
        try (Stream<Path> files = Files.list(blobs)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(StoreFiles.TEMP_PREFIX)).sorted().toList()) {
                removal.delete(p);
            }
        }
        try (Stream<Path> files = Stream.concat(Stream.concat(Files.walk(manifests, 3), Files.list(runtime)), Files.list(keys.dir()))) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(StoreFiles.HIDDEN_TEMP_PREFIX)).sorted().toList()) {
                removal.delete(p);
            }
        }
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) return;
        }
        Files.deleteIfExists(dir);
    }

    // ---- reading and verifying ----

    private Manifest readManifest(ModelName name) throws IOException {
        return parseManifest(manifestPath(name), readManifestBytes(name));
    }

    private byte[] readManifestBytes(ModelName name) throws IOException {
        try {
            return Files.readAllBytes(manifestPath(name));
        } catch (NoSuchFileException e) {
            throw new ModelNotFoundException(name);
        }
    }

    private static Manifest parseManifest(Path path, byte[] bytes) throws InvalidModelException {
        try {
            return JSON.readValue(bytes, Manifest.class);
        } catch (IOException | IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new InvalidModelException("corrupt manifest " + path + ": " + cause.getMessage(), e);
        }
    }

    /** The model a manifest file names, as {@link #list()} reads it; its path when that is no valid name. */
    private String modelNameOf(Path manifestFile) {
        Path relative = manifests.relativize(manifestFile);
        try {
            return new ModelName(relative.getName(0).toString(), relative.getName(1).toString(), relative.getName(2).toString()).toString();
        } catch (IllegalArgumentException e) {
            return relative.toString();
        }
    }

    private List<Path> manifestFiles() throws IOException {
        int depth = manifests.getNameCount() + 3;
        try (Stream<Path> paths = Files.walk(manifests, 3)) {
            return paths.filter(p -> p.getNameCount() == depth && !p.getFileName().toString().startsWith(".")
                    && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
    }

    private Map<String, Object> readParameters(Layer layer) throws IOException {
        JsonNode node = JSON.readTree(readPlain(layer));
        if (node == null || !node.isObject()) throw new InvalidModelException("params blob " + layer.digest() + " is not a JSON object");
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            ModelParameter parameter = ModelParameter.fromKey(field.getKey()).orElseThrow(() -> new InvalidModelException(
                    "params blob " + layer.digest() + " has unknown parameter '" + field.getKey() + "'"));
            try {
                if (parameter.repeatable()) {
                    List<Object> values = new ArrayList<>();
                    for (JsonNode v : field.getValue()) values.add(parameter.parseVerbatim(v.asText()));
                    parameters.put(parameter.key(), List.copyOf(values));
                } else {
                    parameters.put(parameter.key(), parameter.parse(field.getValue().asText()));
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidModelException("params blob " + layer.digest() + ": " + e.getMessage(), e);
            }
        }
        return parameters;
    }

    private String readText(Manifest manifest, LayerType type) throws IOException {
        Optional<Layer> layer = manifest.layer(type);
        return layer.isEmpty() ? null : new String(readPlain(layer.get()), StandardCharsets.UTF_8);
    }

    private record Hashed(String digest, long size) {}

    private static Hashed sha256Of(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256Of(in);
        }
    }

    private static Hashed sha256Of(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        long size = new DigestInputStream(in, sha).transferTo(OutputStream.nullOutputStream());
        return new Hashed("sha256:" + HexFormat.of().formatHex(sha.digest()), size);
    }

    private void verifyBlob(ModelName name, Layer layer) throws IOException {
        Path blob = blobPath(layer);
        Hashed hashed;
        try {
            hashed = sha256Of(blob);
        } catch (NoSuchFileException e) {
            throw new InvalidModelException("model '" + name + "': blob " + blob.getFileName() + " (" + layer.fileName() + ") is missing");
        }
        String actual = hashed.digest();
        long size = hashed.size();
        blobsVerified.incrementAndGet();
        if (size != layer.size() || !actual.equals(layer.digest())) {
            throw new InvalidModelException("model '" + name + "': blob " + blob.getFileName() + " (" + layer.fileName()
                    + ") is corrupt or tampered with: expected " + layer.digest() + " (" + layer.size() + " bytes), found "
                    + actual + " (" + size + " bytes)");
        }
    }

    /** Size, mtime and file identity of every blob: what the verified marker vouches for. */
    private record Stamp(String text, Instant newestBlob) {}

    private Stamp stamp(ModelName name, Manifest manifest) throws IOException {
        StringBuilder text = new StringBuilder();
        Instant newest = Instant.MIN;
        for (Layer layer : manifest.allLayers()) {
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(blobPath(layer), BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                throw new InvalidModelException("model '" + name + "': blob for " + layer.fileName() + " (" + layer.digest() + ") is missing");
            }
            Instant modified = attrs.lastModifiedTime().toInstant();
            if (modified.isAfter(newest)) newest = modified;
            text.append(layer.digest()).append(' ').append(attrs.size()).append(' ').append(modified)
                    .append(' ').append(attrs.fileKey()).append('\n');
        }
        return new Stamp(text.toString(), newest);
    }

    private boolean isVerified(Path dir, Manifest manifest, Stamp stamp) throws IOException {
        Path marker = dir.resolve(VERIFIED_MARKER);
        try {
            // A blob changed within the marker's own timestamp tick would keep its mtime: such a marker proves nothing.
            if (!Files.getLastModifiedTime(marker).toInstant().isAfter(stamp.newestBlob())) return false;
            return Files.readString(marker).equals(stamp.text()) && linksIntact(dir, manifest);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private boolean linksIntact(Path dir, Manifest manifest) throws IOException {
        try {
            for (Layer layer : manifest.allLayers()) {
                if (!Files.isSameFile(dir.resolve(layer.fileName()), blobPath(layer))) return false;
            }
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static void link(Path link, Path blob) throws IOException {
        try {
            Files.createSymbolicLink(link, blob);
        } catch (UnsupportedOperationException | IOException e) {
            Files.createLink(link, blob);
        }
    }

    // ---- naming ----

    /**
     * Where {@code name}'s manifest is. Tags match case-insensitively, as Ollama matches names ({@link ModelName#parse}
     * already folds namespace and name): an existing {@code x:V1} is what {@code x:v1} reads, overwrites and deletes.
     */
    private Path manifestPath(ModelName name) {
        Path exact = StoreFiles.contained(root, manifests.resolve(name.namespace()).resolve(name.name()).resolve(name.tag()));
        if (Files.exists(exact, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(exact.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            return exact;
        }
        try (Stream<Path> tags = Files.list(exact.getParent())) {
            return tags.filter(t -> t.getFileName().toString().equalsIgnoreCase(name.tag())).findFirst()
                    .map(t -> StoreFiles.contained(root, t)).orElse(exact);
        } catch (IOException e) {
            return exact;
        }
    }

    /**
     * The bytes of {@code name}'s layer of {@code type} (config.json, tokenizer_config.json, …), if it has one no
     * larger than {@code maxBytes}; what {@code /api/show} reads to describe a model without loading it.
     */
    public Optional<byte[]> readLayer(ModelName name, LayerType type, long maxBytes) throws IOException {
        Manifest manifest = parseManifest(manifestPath(name), readManifestBytes(name));
        Optional<Layer> layer = type == LayerType.CONFIG ? Optional.of(manifest.config()) : manifest.layer(type);
        if (layer.isEmpty() || layer.get().size() > maxBytes) return Optional.empty();
        return Optional.of(readPlain(layer.get()));
    }

    // ---- transfers (registry pull and push) ----

    /**
     * Where registry transfers keep partial and verified blobs before a manifest takes them: outside {@code blobs/},
     * so neither a crash sweep nor {@code store gc} removes a download that a rerun resumes.
     */
    public Path transfers() throws IOException {
        Path dir = root.resolve("transfers");
        StoreFiles.createPrivateDirectories(dir);
        return dir;
    }

    /** Whether the store holds the blob of {@code layer} already (a pull then skips it). */
    public boolean hasBlob(Layer layer) {
        return Files.isRegularFile(blobPath(layer), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The content of {@code layer} from byte {@code offset} on, in clear (an encrypted blob is decrypted as it is read,
     * each chunk authenticated); what the registry serves and pushes, so models leave the store as their digest says.
     */
    public InputStream openBlob(Layer layer, long offset) throws IOException {
        return openPlain(blobPath(layer), layer.digest(), offset);
    }

    /**
     * Commits a model whose blobs arrived from elsewhere: under the lock, each blob not yet stored is re-hashed from
     * {@code files} (a layer to its fetched file, in an owner-only directory) and moved in, then the manifest is
     * written last, atomically; so no reader ever sees a model with a blob missing or wrong.
     *
     * @throws InvalidModelException when a fetched file does not hash to its layer's digest or size
     */
    public Manifest commitFetched(ModelName name, Manifest manifest, java.util.function.Function<Layer, Path> files)
            throws IOException {
        try (StoreLock.Held held = lock.acquire()) {
            for (Layer layer : manifest.allLayers()) {
                if (hasBlob(layer)) {
                    if (encryptNew) {
                        encryptInPlace(layer);
                        // a transfer of a blob the store has already would stay in clear beside its encrypted copy
                        Path fetched = files.apply(layer);
                        if (fetched != null) Files.deleteIfExists(fetched);
                    }
                    continue;
                }
                Path file = files.apply(layer);
                Hashed hashed = sha256Of(file);
                if (!hashed.digest().equals(layer.digest()) || hashed.size() != layer.size()) {
                    throw new InvalidModelException("blob " + layer.digest() + " does not match its content");
                }
                if (encryptNew) {
                    // encrypted as it is copied in; the fetched file in clear goes once the copy is stored
                    Layer stored;
                    try (InputStream in = Files.newInputStream(file)) {
                        stored = storeBlob(in, layer.type(), layer.fileName());
                    }
                    if (!stored.digest().equals(layer.digest())) {
                        throw new InvalidModelException("blob " + layer.digest() + " changed while it was stored");
                    }
                    Files.deleteIfExists(file);
                    continue;
                }
                StoreFiles.makeReadOnly(file);
                StoreFiles.moveAtomically(file, blobPath(layer));
            }
            StoreFiles.syncDirectory(blobs);
            boolean replaced = Files.exists(manifestPath(name));
            writeManifestBytes(name, JSON.writeValueAsBytes(manifest));
            if (replaced) removeUnreferenced(new Removal());
            return manifest;
        }
    }

    // ---- signatures (registry signing) ----

    private static final java.util.regex.Pattern MANIFEST_DIGEST = java.util.regex.Pattern.compile("sha256:[0-9a-f]{64}");
    private static final java.util.regex.Pattern SIGNATURE_FILE = java.util.regex.Pattern.compile("sha256-([0-9a-f]{64})\\.dsse\\.json");
    /** Far above a DSSE envelope with a few signatures; a larger file is not read. */
    static final int MAX_SIGNATURE_BYTES = 64 << 10;

    /**
     * Keeps a signature envelope for the model whose registry manifest digest is {@code manifestDigest}, beside (never
     * inside) the manifest, replacing any earlier one. The store does not interpret it; the registry verifies it. It is
     * removed with the last model whose {@link OciEncoding#signedDigest} it is (under the lock, so a removal running
     * meanwhile cannot take it for stale).
     */
    public void putSignature(String manifestDigest, byte[] envelope) throws IOException {
        if (envelope.length > MAX_SIGNATURE_BYTES) throw new IllegalArgumentException("a signature exceeds " + MAX_SIGNATURE_BYTES + " bytes");
        Path dir = root.resolve("signatures");
        try (StoreLock.Held held = lock.acquire()) {
            StoreFiles.createPrivateDirectories(dir);
            StoreFiles.writeAtomically(signaturePath(manifestDigest), envelope);
        }
    }

    /** The signature envelope kept for {@code manifestDigest}, if any. */
    public Optional<byte[]> signature(String manifestDigest) throws IOException {
        Path file = signaturePath(manifestDigest);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        if (Files.size(file) > MAX_SIGNATURE_BYTES) throw new InvalidModelException("the signature for " + manifestDigest + " is too large");
        return Optional.of(Files.readAllBytes(file));
    }

    private Path signaturePath(String manifestDigest) {
        if (manifestDigest == null || !MANIFEST_DIGEST.matcher(manifestDigest).matches()) {
            throw new IllegalArgumentException("not a sha256 manifest digest");
        }
        return StoreFiles.contained(root, root.resolve("signatures").resolve("sha256-" + manifestDigest.substring(7) + ".dsse.json"));
    }

    /**
     * Re-hashes every blob of {@code name} against its manifest, whatever the verified marker says ({@code verify MODEL}).
     *
     * @throws InvalidModelException naming the first blob that is missing or does not match
     */
    public Manifest verifyModel(ModelName name) throws IOException {
        Manifest manifest = readManifest(name);
        for (Layer layer : manifest.allLayers()) verifyBlob(name, layer);
        return manifest;
    }

    private Path blobPath(Layer layer) {
        return StoreFiles.contained(root, blobs.resolve(blobFileName(layer)));
    }

    private static String blobFileName(Layer layer) {
        return "sha256-" + layer.hex();
    }

    static String digest(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK must provide SHA-256", e);
        }
    }

    private static FileAttribute<?>[] privateFile() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Optional<ModelName> parseOrEmpty(String text) {
        try {
            return Optional.of(ModelName.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
