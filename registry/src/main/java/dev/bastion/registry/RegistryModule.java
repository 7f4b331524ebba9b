package dev.bastion.registry;

import dev.bastion.api.Access;
import dev.bastion.api.ApiException;
import dev.bastion.api.ModelGate;
import dev.bastion.registry.signing.Dsse;
import dev.bastion.registry.signing.SignatureException;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.Verdict;
import dev.bastion.api.Caller;
import dev.bastion.api.ModelAccessPolicy;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.ServerModule;
import dev.bastion.store.InvalidModelNameException;
import dev.bastion.store.Layer;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The store over the OCI Distribution API, as Ollama's registry serves it: {@code /v2/} (version check),
 * {@code /v2/<ns>/<model>/manifests/<tag|digest>}, {@code /v2/<ns>/<model>/blobs/<digest>} (with Range), and uploads
 * ({@code POST …/blobs/uploads/}, {@code PATCH}, {@code PUT ?digest=}) then a manifest {@code PUT} to push. Behind the
 * security chain's API keys and rate limits; a caller reads only models it may see (others answer as unknown) and writes
 * only namespaces it may modify. Pulls and pushes are audited. {@code /api/pull} and {@code /api/push} are here too.
 */
public final class RegistryModule implements ServerModule {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int MAX_OPEN_UPLOADS = 64;

    private final ModelStore store;
    private final ModelAccessPolicy access;
    private final ServerConfig.ModelAudit audit;
    private final RegistryLimits limits;
    private final PullPushRoutes pullPush;
    private final SignatureGuard signatures;
    private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
    /** Test seam: blob bytes served per second (0: as fast as possible), so a test can interrupt a pull mid-way. */
    volatile long servingBytesPerSecond;

    private record Upload(String caller, String repository, Path file) {}

    /** Without signature checks (as {@code BASTION_REQUIRE_SIGNED=off}); signatures are still stored and served. */
    public RegistryModule(ModelStore store, ModelAccessPolicy access, ServerConfig.ModelAudit audit, RegistryLimits limits,
                          Map<String, String> env) {
        this(store, access, audit, limits, env, null);
    }

    /** @param signatures the signature policy for pulls and loads; null: none */
    public RegistryModule(ModelStore store, ModelAccessPolicy access, ServerConfig.ModelAudit audit, RegistryLimits limits,
                          Map<String, String> env, SignatureGuard signatures) {
        this.store = store;
        this.access = access;
        this.audit = audit;
        this.limits = limits;
        this.signatures = signatures;
        this.pullPush = new PullPushRoutes(store, access, audit, limits, env, signatures);
    }

    @Override
    public Optional<ModelGate> modelGate() {
        if (signatures == null) return Optional.empty();
        return Optional.of(new ModelGate() {
            @Override
            public void beforeLoad(String model) {
                try {
                    signatures.checkStored("load", ModelName.parse(model), null, null);
                } catch (SignatureGuard.RefusedException e) {
                    throw new ApiException(403, e.getMessage(), null);
                } catch (dev.bastion.store.ModelNotFoundException | IllegalArgumentException e) {
                    // not a stored model: the catalog answers for that
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public void beforeImport(String model) {
                ModelName name;
                try {
                    name = ModelName.parse(model);
                } catch (IllegalArgumentException e) {
                    return; // the catalog answers 400 for the name
                }
                try {
                    signatures.checkImport(name.toString(), null);
                } catch (SignatureGuard.RefusedException e) {
                    throw new ApiException(403, e.getMessage(), null);
                }
            }

            @Override
            public Map<String, Object> showFields(String model) {
                try {
                    Verdict v = signatures.describe(ModelName.parse(model));
                    if (v.status() == Verdict.Status.UNSIGNED) return Map.of("signature", Map.of("signed", false, "verified", false));
                    Map<String, Object> signature = new java.util.LinkedHashMap<>();
                    signature.put("signed", true);
                    if (v.signer() != null) signature.put("signer", v.signer());
                    if (v.keyId() != null) signature.put("key_id", v.keyId());
                    signature.put("verified", v.verified());
                    signature.put("status", v.status().name().toLowerCase(java.util.Locale.ROOT));
                    if (!v.verified()) signature.put("reason", v.message());
                    return Map.of("signature", signature);
                } catch (IOException | IllegalArgumentException e) {
                    return Map.of();
                }
            }
        });
    }

    /** Serves blobs at most this fast (tests only: a pull then takes long enough to be interrupted). */
    public void throttle(long bytesPerSecond) {
        this.servingBytesPerSecond = bytesPerSecond;
    }

    @Override
    public void register(JavalinConfig config) {
        var routes = config.routes;
        routes.get("/v2/", this::version, Access.MODELS_USE);
        routes.head("/v2/", this::version, Access.MODELS_USE);
        routes.get("/v2/{ns}/{model}/manifests/{reference}", ctx -> manifest(ctx, true), Access.MODELS_USE);
        routes.head("/v2/{ns}/{model}/manifests/{reference}", ctx -> manifest(ctx, false), Access.MODELS_USE);
        routes.put("/v2/{ns}/{model}/manifests/{reference}", this::putManifest, Access.MODELS_MANAGE);
        routes.get("/v2/{ns}/{model}/blobs/{digest}", ctx -> blob(ctx, true), Access.MODELS_USE);
        routes.head("/v2/{ns}/{model}/blobs/{digest}", ctx -> blob(ctx, false), Access.MODELS_USE);
        routes.post("/v2/{ns}/{model}/blobs/uploads", this::startUpload, Access.MODELS_MANAGE);
        routes.patch("/v2/{ns}/{model}/blobs/uploads/{id}", this::patchUpload, Access.MODELS_MANAGE);
        routes.put("/v2/{ns}/{model}/blobs/uploads/{id}", this::finishUpload, Access.MODELS_MANAGE);
        pullPush.register(routes);
    }

    private void version(Context ctx) {
        ctx.header("Docker-Distribution-API-Version", "registry/2.0").contentType("application/json").result("{}");
    }

    // ---- reading ----

    private void manifest(Context ctx, boolean withBody) throws IOException {
        Caller caller = caller(ctx);
        String reference = ctx.pathParam("reference");
        Optional<String> signed = SignatureArtifact.digestOfTag(reference);
        if (signed.isPresent()) {
            signatureManifest(ctx, caller, signed.get(), withBody);
            return;
        }
        Optional<Found> found;
        try {
            found = find(caller, ctx.pathParam("ns"), ctx.pathParam("model"), reference);
        } catch (InvalidModelNameException e) {
            error(ctx, 400, "NAME_INVALID", "invalid repository or tag");
            return;
        }
        if (found.isEmpty()) {
            if (withBody) audit.record(ctx, "model.pull", repository(ctx) + ":" + Printable.of(reference), "denied", Map.of());
            error(ctx, 404, "MANIFEST_UNKNOWN", "manifest unknown");
            return;
        }
        String type = acceptsOnlyDocker(ctx.header("Accept")) ? OciManifest.DOCKER_V2 : OciManifest.OCI;
        byte[] bytes = OciManifest.encode(found.get().manifest(), type);
        ctx.status(200).contentType(type).header("Docker-Content-Digest", OciManifest.digest(bytes))
                .header("Content-Length", String.valueOf(bytes.length));
        if (withBody) {
            ctx.result(bytes);
            audit.record(ctx, "model.pull", found.get().name().toString(), "success", Map.of("digest", OciManifest.digest(bytes)));
        }
    }

    /** The signature artifact of a visible model of {@code ns/model} whose manifest digest is {@code digest}. */
    private void signatureManifest(Context ctx, Caller caller, String digest, boolean withBody) throws IOException {
        Optional<byte[]> envelope = find(caller, ctx.pathParam("ns"), ctx.pathParam("model"), digest).isPresent()
                ? store.signature(digest) : Optional.empty();
        if (envelope.isEmpty()) {
            error(ctx, 404, "MANIFEST_UNKNOWN", "manifest unknown");
            return;
        }
        byte[] bytes = SignatureArtifact.manifest(envelope.get());
        ctx.status(200).contentType(OciManifest.OCI).header("Docker-Content-Digest", OciManifest.digest(bytes))
                .header("Content-Length", String.valueOf(bytes.length));
        if (withBody) ctx.result(bytes);
    }

    private static boolean acceptsOnlyDocker(String accept) {
        return accept != null && accept.contains(OciManifest.DOCKER_V2) && !accept.contains(OciManifest.OCI);
    }

    private record Found(ModelName name, Manifest manifest) {}

    /** The visible model a tag or a manifest digest names in {@code ns/model}; what the caller may not see is not found. */
    private Optional<Found> find(Caller caller, String ns, String model, String reference) throws IOException {
        if (reference.startsWith("sha256:")) {
            if (!DIGEST.matcher(reference).matches()) return Optional.empty();
            for (ModelInfo info : store.list()) {
                if (!info.name().namespace().equals(ns) || !info.name().name().equals(model)) continue;
                Optional<Manifest> m = store.manifest(info.name());
                if (m.isEmpty() || !access.maySee(caller, m.get().owner())) continue;
                for (String type : new String[] {OciManifest.OCI, OciManifest.DOCKER_V2}) {
                    if (OciManifest.digest(OciManifest.encode(m.get(), type)).equals(reference)) return Optional.of(new Found(info.name(), m.get()));
                }
            }
            return Optional.empty();
        }
        ModelName name = new ModelName(ns, model, reference);
        Optional<Manifest> m = store.manifest(name);
        return m.filter(x -> access.maySee(caller, x.owner())).map(x -> new Found(name, x));
    }

    private void blob(Context ctx, boolean withBody) throws IOException {
        String digest = ctx.pathParam("digest");
        Caller caller = caller(ctx);
        Optional<Layer> layer = DIGEST.matcher(digest).matches() ? visibleLayer(caller, ctx.pathParam("ns"), ctx.pathParam("model"), digest)
                : Optional.empty();
        if (layer.isEmpty()) {
            Optional<byte[]> signatureBlob = DIGEST.matcher(digest).matches()
                    ? signatureBlob(caller, ctx.pathParam("ns"), ctx.pathParam("model"), digest) : Optional.empty();
            if (signatureBlob.isPresent()) {
                ctx.status(200).contentType("application/octet-stream").header("Docker-Content-Digest", digest)
                        .header("Content-Length", String.valueOf(signatureBlob.get().length));
                if (withBody) ctx.result(signatureBlob.get());
                return;
            }
            error(ctx, 404, "BLOB_UNKNOWN", "blob unknown to registry");
            return;
        }
        long size = layer.get().size();
        long from = 0;
        long to = size - 1;
        String range = ctx.header("Range");
        if (range != null) {
            var m = Pattern.compile("bytes=(\\d{1,19})-(\\d{0,19})").matcher(range.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) >= size) {
                ctx.header("Content-Range", "bytes */" + size);
                error(ctx, 416, "RANGE_INVALID", "requested range not satisfiable");
                return;
            }
            from = Long.parseLong(m.group(1));
            if (!m.group(2).isEmpty()) to = Math.min(to, Long.parseLong(m.group(2)));
            if (to < from) {
                error(ctx, 416, "RANGE_INVALID", "requested range not satisfiable");
                return;
            }
            ctx.status(206).header("Content-Range", "bytes " + from + "-" + to + "/" + size);
        } else {
            ctx.status(200);
        }
        long length = to - from + 1;
        ctx.contentType("application/octet-stream").header("Docker-Content-Digest", digest)
                .header("Accept-Ranges", "bytes").header("Content-Length", String.valueOf(length));
        if (!withBody) return;
        try (InputStream in = store.openBlob(layer.get(), from); OutputStream out = ctx.res().getOutputStream()) {
            copy(in, out, length);
        }
    }

    /** A layer of a model in {@code ns/model} that the caller may see; nothing else of the store is readable here. */
    private Optional<Layer> visibleLayer(Caller caller, String ns, String model, String digest) throws IOException {
        for (ModelInfo info : store.list()) {
            if (!info.name().namespace().equals(ns) || !info.name().name().equals(model)) continue;
            Optional<Manifest> m = store.manifest(info.name());
            if (m.isEmpty() || !access.maySee(caller, m.get().owner())) continue;
            Optional<Layer> layer = m.get().allLayers().stream().filter(l -> l.digest().equals(digest)).findFirst();
            if (layer.isPresent() && store.hasBlob(layer.get())) return layer;
        }
        return Optional.empty();
    }

    /** A blob of the signature artifact of a visible model in {@code ns/model}: its envelope or the empty config. */
    private Optional<byte[]> signatureBlob(Caller caller, String ns, String model, String digest) throws IOException {
        for (ModelInfo info : store.list()) {
            if (!info.name().namespace().equals(ns) || !info.name().name().equals(model)) continue;
            Optional<Manifest> m = store.manifest(info.name());
            if (m.isEmpty() || !access.maySee(caller, m.get().owner())) continue;
            Optional<byte[]> envelope = store.signature(SignatureGuard.manifestDigest(m.get()));
            if (envelope.isEmpty()) continue;
            if (OciManifest.digest(envelope.get()).equals(digest)) return envelope;
            if (OciManifest.digest(SignatureArtifact.EMPTY).equals(digest)) return Optional.of(SignatureArtifact.EMPTY);
        }
        return Optional.empty();
    }

    private void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = length;
        while (left > 0) {
            long rate = servingBytesPerSecond;
            int want = (int) Math.min(left, rate > 0 ? Math.max(1, Math.min(buffer.length, rate / 10)) : buffer.length);
            int n = in.read(buffer, 0, want);
            if (n < 0) break;
            out.write(buffer, 0, n);
            left -= n;
            if (rate > 0) {
                out.flush();
                try {
                    Thread.sleep(Math.max(1, n * 1000L / rate));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
        }
    }

    // ---- pushing ----

    /** The owner a namespace's models get: none for the shared {@code library}, else the user it is named after. */
    static String namespaceOwner(String ns) {
        return ModelName.DEFAULT_NAMESPACE.equals(ns) ? null : ns;
    }

    /** Whether the caller may write {@code ns}; answers 403 (and audits) if not. */
    private boolean mayWrite(Context ctx, Caller caller, String action) {
        String ns = ctx.pathParam("ns");
        try {
            new ModelName(ns, ctx.pathParam("model"), ModelName.DEFAULT_TAG);
        } catch (InvalidModelNameException e) {
            error(ctx, 400, "NAME_INVALID", "invalid repository name");
            return false;
        }
        if (access.mayModify(caller, namespaceOwner(ns))) return true;
        audit.record(ctx, action, repository(ctx), "denied", Map.of());
        error(ctx, 403, "DENIED", "you may not push to namespace '" + ns + "'");
        return false;
    }

    private void startUpload(Context ctx) throws IOException {
        Caller caller = caller(ctx);
        if (!mayWrite(ctx, caller, "model.push")) return;
        if (uploads.size() >= MAX_OPEN_UPLOADS) {
            error(ctx, 429, "TOOMANYREQUESTS", "too many uploads in progress");
            return;
        }
        String id = UUID.randomUUID().toString();
        Path file = store.transfers().resolve("upload-" + id);
        Files.createFile(file);
        uploads.put(id, new Upload(caller.principal(), repository(ctx), file));
        String digest = ctx.queryParam("digest");
        if (digest != null) { // monolithic: POST ?digest= with the whole blob
            finish(ctx, id, digest);
            return;
        }
        ctx.status(202).header("Location", "/v2/" + repository(ctx) + "/blobs/uploads/" + id).header("Range", "0-0")
                .header("Docker-Upload-UUID", id).header("Content-Length", "0");
    }

    private Optional<Upload> upload(Context ctx, Caller caller) {
        String id = ctx.pathParam("id");
        Upload upload = UPLOAD_ID.matcher(id).matches() ? uploads.get(id) : null;
        if (upload == null || !java.util.Objects.equals(upload.caller(), caller.principal()) || !upload.repository().equals(repository(ctx))) {
            error(ctx, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
            return Optional.empty();
        }
        return Optional.of(upload);
    }

    private void patchUpload(Context ctx) throws IOException {
        Caller caller = caller(ctx);
        if (!mayWrite(ctx, caller, "model.push")) return;
        Optional<Upload> upload = upload(ctx, caller);
        if (upload.isEmpty()) return;
        long size = append(ctx, upload.get());
        if (size < 0) return;
        ctx.status(202).header("Location", "/v2/" + repository(ctx) + "/blobs/uploads/" + ctx.pathParam("id"))
                .header("Range", "0-" + Math.max(0, size - 1)).header("Docker-Upload-UUID", ctx.pathParam("id"))
                .header("Content-Length", "0");
    }

    private void finishUpload(Context ctx) throws IOException {
        Caller caller = caller(ctx);
        if (!mayWrite(ctx, caller, "model.push")) return;
        if (upload(ctx, caller).isEmpty()) return;
        finish(ctx, ctx.pathParam("id"), ctx.queryParam("digest"));
    }

    /** Appends the request body to the upload; -1 (answered) when it goes over the layer cap. */
    private long append(Context ctx, Upload upload) throws IOException {
        try (FileChannel out = FileChannel.open(upload.file(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
             InputStream in = ctx.req().getInputStream()) {
            OutputStream sink = Channels.newOutputStream(out);
            byte[] buffer = new byte[1 << 16];
            long size = out.size();
            for (int n; (n = in.read(buffer)) > 0; ) {
                size += n;
                if (size > limits.maxLayerBytes()) {
                    discard(ctx.pathParam("id"));
                    error(ctx, 413, "SIZE_INVALID", "blob exceeds " + limits.maxLayerBytes() + " bytes");
                    return -1;
                }
                sink.write(buffer, 0, n);
            }
            out.force(true);
            return size;
        }
    }

    /** Takes the last chunk (if any), checks the whole upload against {@code digest}, and keeps it as a verified transfer. */
    private void finish(Context ctx, String id, String digest) throws IOException {
        Upload upload = uploads.get(id);
        if (digest == null || !DIGEST.matcher(digest).matches()) {
            discard(id);
            error(ctx, 400, "DIGEST_INVALID", "digest must be sha256:<64 lower-case hex digits>");
            return;
        }
        if (append(ctx, upload) < 0) return;
        String actual;
        try (InputStream in = new DigestInputStream(Files.newInputStream(upload.file()), sha256())) {
            in.transferTo(OutputStream.nullOutputStream());
            actual = "sha256:" + HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
        if (!actual.equals(digest)) {
            discard(id);
            audit.record(ctx, "blob.push", digest, "failure", Map.of("reason", "digest mismatch"));
            error(ctx, 400, "DIGEST_INVALID", "the uploaded content does not match " + digest);
            return;
        }
        Files.move(upload.file(), store.transfers().resolve("sha256-" + digest.substring(7)), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        uploads.remove(id);
        ctx.status(201).header("Location", "/v2/" + repository(ctx) + "/blobs/" + digest).header("Docker-Content-Digest", digest)
                .header("Content-Length", "0");
    }

    private void discard(String id) throws IOException {
        Upload upload = uploads.remove(id);
        if (upload != null) Files.deleteIfExists(upload.file());
    }

    private void putManifest(Context ctx) throws IOException {
        Caller caller = caller(ctx);
        if (!mayWrite(ctx, caller, "model.push")) return;
        String ns = ctx.pathParam("ns");
        Optional<String> signed = SignatureArtifact.digestOfTag(ctx.pathParam("reference"));
        if (signed.isPresent()) {
            putSignature(ctx, caller, signed.get());
            return;
        }
        ModelName name;
        try {
            name = new ModelName(ns, ctx.pathParam("model"), ctx.pathParam("reference"));
        } catch (InvalidModelNameException e) {
            error(ctx, 400, "TAG_INVALID", "invalid tag");
            return;
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxManifestBytes() + 1));
        }
        try {
            Manifest manifest = OciManifest.decode(bytes, namespaceOwner(ns), limits);
            Path transfers = store.transfers();
            for (Layer layer : manifest.allLayers()) {
                if (!store.hasBlob(layer) && !Files.isRegularFile(transfers.resolve("sha256-" + layer.hex()))) {
                    audit.record(ctx, "model.push", name.toString(), "failure", Map.of("reason", "blob unknown"));
                    error(ctx, 400, "MANIFEST_BLOB_UNKNOWN", "blob " + layer.digest() + " was not uploaded");
                    return;
                }
            }
            store.commitFetched(name, manifest, layer -> transfers.resolve("sha256-" + layer.hex()));
            // uploads of blobs the store had already are not needed any more
            for (Layer layer : manifest.allLayers()) Files.deleteIfExists(transfers.resolve("sha256-" + layer.hex()));
        } catch (RegistryException e) {
            audit.record(ctx, "model.push", name.toString(), "failure", Map.of("reason", "invalid manifest"));
            error(ctx, e.status() == 413 ? 413 : 400, "MANIFEST_INVALID", e.getMessage());
            return;
        } catch (dev.bastion.store.InvalidModelException e) {
            audit.record(ctx, "model.push", name.toString(), "failure", Map.of("reason", "blob mismatch"));
            error(ctx, 400, "MANIFEST_INVALID", "a blob does not match its digest");
            return;
        }
        String digest = OciManifest.digest(bytes);
        audit.record(ctx, "model.push", name.toString(), "success", Map.of("digest", digest));
        ctx.status(201).header("Location", "/v2/" + repository(ctx) + "/manifests/" + digest).header("Docker-Content-Digest", digest)
                .header("Content-Length", "0");
    }

    /**
     * Takes a signature artifact for the model of {@code ns/model} whose manifest digest is {@code digest}: its envelope
     * (inline, or the uploaded blob, checked against its digest) must be a well-formed DSSE envelope; it is kept beside
     * the model. Whether it verifies is for the puller's trust store to say.
     */
    private void putSignature(Context ctx, Caller caller, String digest) throws IOException {
        String target = repository(ctx) + "@" + digest;
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxManifestBytes() + 1));
        }
        Path transfers = store.transfers();
        byte[] envelope;
        try {
            if (bytes.length > limits.maxManifestBytes()) throw new RegistryException(413, "manifest exceeds " + limits.maxManifestBytes() + " bytes");
            SignatureArtifact.Layer layer = SignatureArtifact.envelopeLayer(bytes);
            Path uploaded = transfers.resolve("sha256-" + layer.digest().substring(7));
            if (layer.inline().isPresent()) {
                envelope = layer.inline().get();
            } else if (Files.isRegularFile(uploaded, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(uploaded) == layer.size()) {
                envelope = Files.readAllBytes(uploaded);
            } else {
                throw new RegistryException("the signature envelope blob " + layer.digest() + " was not uploaded");
            }
            if (!OciManifest.digest(envelope).equals(layer.digest())) throw new RegistryException("the signature envelope does not match its digest");
            Dsse.parse(envelope);
        } catch (RegistryException | SignatureException e) {
            audit.record(ctx, "model.push", target, "failure", Map.of("reason", "invalid signature artifact"));
            error(ctx, e instanceof RegistryException r && r.status() == 413 ? 413 : 400, "MANIFEST_INVALID", e.getMessage());
            return;
        }
        if (find(caller, ctx.pathParam("ns"), ctx.pathParam("model"), digest).isEmpty()) {
            audit.record(ctx, "model.push", target, "failure", Map.of("reason", "signature of an unknown manifest"));
            error(ctx, 404, "MANIFEST_UNKNOWN", "no model with manifest " + digest + " in " + repository(ctx));
            return;
        }
        store.putSignature(digest, envelope);
        for (byte[] blob : new byte[][] {SignatureArtifact.EMPTY, envelope}) {
            Files.deleteIfExists(transfers.resolve("sha256-" + OciManifest.digest(blob).substring(7)));
        }
        audit.record(ctx, "model.push", target, "success", Map.of("signature", "stored"));
        ctx.status(201).header("Location", "/v2/" + repository(ctx) + "/manifests/" + OciManifest.digest(bytes))
                .header("Docker-Content-Digest", OciManifest.digest(bytes)).header("Content-Length", "0");
    }

    // ---- helpers ----

    static Caller caller(Context ctx) {
        return new Caller(RequestContext.principalName(ctx), RequestContext.requestId(ctx), RequestContext.principal(ctx).orElse(null));
    }

    private static String repository(Context ctx) {
        return Printable.of(ctx.pathParam("ns")) + "/" + Printable.of(ctx.pathParam("model"));
    }

    /** An answer in the Distribution API's error shape. */
    static void error(Context ctx, int status, String code, String message) {
        var body = OciManifest.JSON.createObjectNode();
        body.putArray("errors").addObject().put("code", code).put("message", message);
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
