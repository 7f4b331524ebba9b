package dev.bastion.registry;

import dev.bastion.store.Layer;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pulls models from and pushes them to an OCI registry (another Bastion, or any Distribution registry).
 * <p>
 * A pull reads the manifest (bounded), checks every declared size against the limits and the free disk before fetching,
 * downloads each missing blob to {@code transfers/sha256-<hex>.part} (resumed with a Range request after an
 * interruption), verifies it against its digest, and only then lets the store commit the model, manifest last.
 * Redirects are followed only to the same scheme, host and port. Plain HTTP only for loopback hosts.
 */
public final class RegistryClient {

    private static final int MAX_REDIRECTS = 3;

    private final RegistryLimits limits;
    private final RegistryCredentials credentials;
    private final boolean insecure;
    private final HttpClient http;
    private final Map<String, String> headers;
    /** Blob bytes received over the network by this client; lets a test see a resumed pull fetch only the rest. */
    private final AtomicLong bytesFetched = new AtomicLong();

    public RegistryClient(RegistryLimits limits, RegistryCredentials credentials, boolean insecure) {
        this(limits, credentials, insecure, null, Map.of());
    }

    private RegistryClient(RegistryLimits limits, RegistryCredentials credentials, boolean insecure,
                           SSLContext tls, Map<String, String> headers) {
        this.limits = limits;
        this.credentials = credentials;
        this.insecure = insecure;
        this.headers = Map.copyOf(headers);
        HttpClient.Builder builder = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(limits.connectTimeout());
        if (tls != null) builder.sslContext(tls).version(HttpClient.Version.HTTP_1_1);
        this.http = builder.build();
    }

    /**
     * A client for a registry that authenticates callers by their TLS certificate (a cluster peer's node port):
     * {@code tls} presents this side's certificate and decides which servers it trusts; {@code headers} go with every
     * request (who the caller acts for). HTTPS only.
     */
    public static RegistryClient mutualTls(RegistryLimits limits, SSLContext tls,
                                           Map<String, String> headers) {
        return new RegistryClient(limits, RegistryCredentials.NONE, false, Objects.requireNonNull(tls, "tls"),
                headers);
    }

    public long bytesFetched() {
        return bytesFetched.get();
    }

    /** What a pull brought: the model's manifest, its digest, and its signature envelope's bytes if it had one. */
    public record Pulled(Manifest manifest, String digest, Optional<byte[]> signature) {}

    /**
     * Fetches {@code ref} into {@code store} as {@code localName}, owned by {@code owner}. {@code beforeCommit} sees the
     * manifest and its signature envelope before anything enters the store, and may refuse by throwing. The envelope
     * is kept with the model once it is stored.
     */
    public Pulled pull(Reference ref, ModelStore store, ModelName localName, String owner, Progress progress,
                       SignatureCheck beforeCommit) throws IOException {
        URI base = base(ref);
        progress.update("pulling manifest", null, 0, 0);
        Fetched fetched = fetchManifest(base, ref.repository(), ref.name().tag());
        Manifest manifest = OciManifest.decode(fetched.bytes(), owner, limits);
        String digest = OciManifest.digest(fetched.bytes());
        Optional<byte[]> signature = fetchSignature(base, ref.repository(), digest);
        beforeCommit.check(manifest, digest, signature);
        Path transfers = store.transfers();
        long missing = manifest.allLayers().stream().filter(l -> !store.hasBlob(l) && !Files.exists(verified(transfers, l)))
                .mapToLong(Layer::size).sum();
        long usable = Files.getFileStore(transfers).getUsableSpace();
        if (missing > usable) {
            throw new RegistryException(507, "the model needs " + missing + " bytes, and only " + usable + " are free");
        }
        try {
            for (Layer layer : manifest.allLayers()) {
                if (store.hasBlob(layer)) {
                    progress.update("pulling " + layer.hex().substring(0, 12), layer.digest(), layer.size(), layer.size());
                    continue;
                }
                fetchBlob(base, ref.repository(), layer, transfers, progress);
            }
        } catch (MismatchException e) {
            // the source is bad, not the network: nothing of this pull is kept for a resume
            for (Layer layer : manifest.allLayers()) Files.deleteIfExists(verified(transfers, layer));
            throw e;
        }
        progress.update("verifying sha256 digest", null, 0, 0);
        progress.update("writing manifest", null, 0, 0);
        store.commitFetched(localName, manifest, layer -> verified(transfers, layer));
        if (signature.isPresent()) store.putSignature(digest, signature.get());
        return new Pulled(manifest, digest, signature);
    }

    /** Sees a pulled manifest (and its signature envelope, if any) before the model enters the store. */
    @FunctionalInterface
    public interface SignatureCheck {
        SignatureCheck NONE = (manifest, digest, signature) -> { };

        void check(Manifest manifest, String manifestDigest, Optional<byte[]> signature) throws IOException;
    }

    /** Sends {@code localName} from {@code store} to {@code ref}: each blob the registry lacks, then the manifest. */
    public String push(Reference ref, ModelStore store, ModelName localName, Progress progress) throws IOException {
        URI base = base(ref);
        Manifest manifest = store.manifest(localName).orElseThrow(() -> new RegistryException(404, "model '" + localName + "' not found"));
        progress.update("retrieving manifest", null, 0, 0);
        for (Layer layer : manifest.allLayers()) {
            String status = "pushing " + layer.hex().substring(0, 12);
            URI blob = base.resolve("/v2/" + ref.repository() + "/blobs/" + layer.digest());
            if (send(request(blob).method("HEAD", HttpRequest.BodyPublishers.noBody()), limits.connectTimeout()).statusCode() == 200) {
                progress.update(status, layer.digest(), layer.size(), layer.size());
                continue;
            }
            progress.update(status, layer.digest(), layer.size(), 0);
            upload(base, ref.repository(), layer.digest(), layer.size(), HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> open(store, layer)), layer.size()));
            progress.update(status, layer.digest(), layer.size(), layer.size());
        }
        byte[] bytes = OciManifest.encode(manifest, OciManifest.OCI);
        progress.update("pushing manifest", null, 0, 0);
        HttpResponse<String> put = send(request(base.resolve("/v2/" + ref.repository() + "/manifests/" + ref.name().tag()))
                .header("Content-Type", OciManifest.OCI).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), limits.connectTimeout());
        if (put.statusCode() != 201) throw refused("storing the manifest", put.statusCode());
        String digest = OciManifest.digest(bytes);
        Optional<byte[]> signature = store.signature(digest);
        if (signature.isPresent()) {
            progress.update("pushing signature", null, 0, 0);
            pushSignature(ref, digest, signature.get());
        }
        return digest;
    }

    /**
     * Sends a signature envelope as the cosign-style artifact tag {@code sha256-<hex>.sig} of {@code manifestDigest}:
     * its two blobs (the empty config and the envelope), then the artifact's manifest.
     */
    public void pushSignature(Reference ref, String manifestDigest, byte[] envelope) throws IOException {
        URI base = base(ref);
        for (byte[] blob : new byte[][] {SignatureArtifact.EMPTY, envelope}) {
            String digest = OciManifest.digest(blob);
            URI head = base.resolve("/v2/" + ref.repository() + "/blobs/" + digest);
            if (send(request(head).method("HEAD", HttpRequest.BodyPublishers.noBody()), limits.connectTimeout()).statusCode() == 200) continue;
            upload(base, ref.repository(), digest, blob.length, HttpRequest.BodyPublishers.ofByteArray(blob));
        }
        URI uri = base.resolve("/v2/" + ref.repository() + "/manifests/" + signatureTag(manifestDigest));
        HttpResponse<String> put = send(request(uri).header("Content-Type", OciManifest.OCI)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(SignatureArtifact.manifest(envelope))), limits.connectTimeout());
        if (put.statusCode() != 201) throw refused("storing the signature", put.statusCode());
    }

    /** One blob upload: POST for a location on the same origin, then a monolithic PUT with the digest. */
    private void upload(URI base, String repository, String digest, long size, HttpRequest.BodyPublisher body) throws IOException {
        HttpResponse<String> started = send(request(base.resolve("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), limits.connectTimeout());
        if (started.statusCode() != 202) throw refused("starting an upload", started.statusCode());
        URI location = sameOrigin(base, started.headers().firstValue("Location")
                .orElseThrow(() -> new RegistryException(502, "the registry gave no upload location")));
        String query = location.getRawQuery();
        URI put = URI.create(location.toString() + (query == null ? "?" : "&") + "digest=" + digest);
        HttpResponse<String> done = send(request(put).header("Content-Type", "application/octet-stream").PUT(body),
                limits.deadline(size));
        if (done.statusCode() != 201) throw refused("uploading blob " + digest, done.statusCode());
    }

    /** The tag a signature of {@code manifestDigest} lives under. */
    public static String signatureTag(String manifestDigest) {
        return manifestDigest.replace(':', '-') + ".sig";
    }

    // ---- pulling ----

    private record Fetched(int status, byte[] bytes) {}

    private Fetched fetchManifest(URI base, String repository, String reference) throws IOException {
        URI uri = base.resolve("/v2/" + repository + "/manifests/" + reference);
        HttpRequest.Builder request = request(uri).header("Accept", OciManifest.OCI + ", " + OciManifest.DOCKER_V2);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status = receive(base, request, limits.maxManifestBytes(), body::write);
        if (status == 404) throw new RegistryException(404, "no model " + repository + ":" + reference + " in the registry");
        if (status != 200) throw refused("fetching the manifest", status);
        return new Fetched(status, body.toByteArray());
    }

    /**
     * The signature envelope served for {@code manifestDigest}: inline in its artifact, or its blob (bounded, checked
     * against its digest). An artifact that is not a signature comes back as its own bytes, which no check accepts.
     */
    private Optional<byte[]> fetchSignature(URI base, String repository, String manifestDigest) throws IOException {
        URI uri = base.resolve("/v2/" + repository + "/manifests/" + signatureTag(manifestDigest));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status = receive(base, request(uri).header("Accept", OciManifest.OCI), limits.maxManifestBytes(), body::write);
        if (status == 404) return Optional.empty();
        if (status != 200) throw refused("fetching the signature", status);
        SignatureArtifact.Layer layer;
        try {
            layer = SignatureArtifact.envelopeLayer(body.toByteArray());
        } catch (RegistryException e) {
            return Optional.of(body.toByteArray());
        }
        if (layer.inline().isPresent()) return layer.inline();
        ByteArrayOutputStream envelope = new ByteArrayOutputStream();
        int code = receive(base, request(base.resolve("/v2/" + repository + "/blobs/" + layer.digest())), layer.size(), envelope::write);
        if (code != 200) throw refused("fetching the signature envelope", code);
        if (!OciManifest.digest(envelope.toByteArray()).equals(layer.digest())) {
            throw new RegistryException(502, "the signature envelope from the registry does not match its digest");
        }
        return Optional.of(envelope.toByteArray());
    }

    /** A blob that arrived whole but does not hash to its digest. */
    private static final class MismatchException extends RegistryException {
        MismatchException(String message) {
            super(502, message);
        }
    }

    private static Path verified(Path transfers, Layer layer) {
        return transfers.resolve("sha256-" + layer.hex());
    }

    private void fetchBlob(URI base, String repository, Layer layer, Path transfers, Progress progress) throws IOException {
        String status = "pulling " + layer.hex().substring(0, 12);
        Path done = verified(transfers, layer);
        if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS)) {
            progress.update(status, layer.digest(), layer.size(), layer.size());
            return;
        }
        Path part = transfers.resolve("sha256-" + layer.hex() + ".part");
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = out.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) throw new RegistryException(409, "another pull is fetching blob " + layer.digest());
            long have = out.size();
            if (have > layer.size()) {
                out.truncate(0);
                have = 0;
            }
            if (have < layer.size() || layer.size() == 0) {
                HttpRequest.Builder request = request(base.resolve("/v2/" + repository + "/blobs/" + layer.digest()));
                if (have > 0) request.header("Range", "bytes=" + have + "-");
                long start = have;
                progress.update(status, layer.digest(), layer.size(), have);
                int code = receiveBlob(base, request, layer, out, start, progress, status);
                if (code != 200 && code != 206) throw refused("fetching blob " + layer.digest(), code);
            }
            out.force(true);
            if (out.size() != layer.size() || !sha256(part).equals(layer.hex())) {
                out.truncate(0);
                Files.deleteIfExists(part);
                throw new MismatchException("blob " + layer.digest() + " from the registry does not match its digest; nothing was stored");
            }
            progress.update(status, layer.digest(), layer.size(), layer.size());
        }
        Files.move(part, done, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Streams a blob into {@code out} from {@code start} (or from 0 when the registry ignored the range), capped at its size. */
    private int receiveBlob(URI base, HttpRequest.Builder request, Layer layer, FileChannel out, long start,
                            Progress progress, String status) throws IOException {
        long[] position = {start};
        return receive(base, request, layer.size() - start, chunk -> {
            ByteBuffer buffer = ByteBuffer.wrap(chunk);
            while (buffer.hasRemaining()) position[0] += out.write(buffer, position[0]);
            bytesFetched.addAndGet(chunk.length);
            progress.update(status, layer.digest(), layer.size(), position[0]);
        }, (code, headers) -> {
            if (code == 200 && start > 0) {
                // the registry ignored the range: start over
                out.truncate(0);
                position[0] = 0;
            }
            if (code == 206 && !headers.firstValue("Content-Range").orElse("").startsWith("bytes " + start + "-")) {
                throw new RegistryException(502, "the registry answered a different range than asked");
            }
        }, code -> code == 200 ? layer.size() : layer.size() - start);
    }

    @FunctionalInterface
    private interface Chunks {
        void accept(byte[] chunk) throws IOException;
    }

    @FunctionalInterface
    private interface OnHeaders {
        void accept(int status, java.net.http.HttpHeaders headers) throws IOException;
    }

    @FunctionalInterface
    private interface Cap {
        long forStatus(int status);
    }

    private int receive(URI base, HttpRequest.Builder request, long maxBytes, Chunks sink) throws IOException {
        return receive(base, request, maxBytes, sink, (code, headers) -> { }, code -> maxBytes);
    }

    /**
     * Sends {@code request} (following same-origin redirects) and hands a 2xx body to {@code sink} in chunks, refusing
     * one longer than the cap; the whole exchange must end within the deadline for its cap, so a slow drip is cut.
     */
    private int receive(URI base, HttpRequest.Builder request, long maxBytes, Chunks sink, OnHeaders onHeaders, Cap cap)
            throws IOException {
        HttpRequest current = request.build();
        for (int hop = 0; ; hop++) {
            HttpResponse<InputStream> response = send(current, HttpResponse.BodyHandlers.ofInputStream(), limits.connectTimeout());
            int code = response.statusCode();
            if (code >= 300 && code < 400 && response.headers().firstValue("Location").isPresent()) {
                response.body().close();
                if (hop >= MAX_REDIRECTS) throw new RegistryException(502, "the registry redirected too often");
                URI next = sameOrigin(current.uri(), response.headers().firstValue("Location").get());
                HttpRequest.Builder again = request(next);
                current.headers().firstValue("Range").ifPresent(r -> again.header("Range", r));
                current.headers().firstValue("Accept").ifPresent(a -> again.header("Accept", a));
                current = again.build();
                continue;
            }
            if (code < 200 || code >= 300) {
                response.body().close();
                return code;
            }
            long limit = cap.forStatus(code);
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > limit) {
                response.body().close();
                throw new RegistryException(502, "the registry sent " + declared + " bytes where at most " + limit + " were expected");
            }
            onHeaders.accept(code, response.headers());
            copyWithin(response.body(), limit, sink, limits.deadline(limit));
            return code;
        }
    }

    /** Copies on a virtual thread so the caller can cut it at the deadline by closing the stream. */
    private static void copyWithin(InputStream body, long limit, Chunks sink, Duration deadline) throws IOException {
        Future<Void> copy;
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            copy = executor.submit(() -> {
                try (body) {
                    byte[] buffer = new byte[1 << 16];
                    long total = 0;
                    for (int n; (n = body.read(buffer)) > 0; ) {
                        total += n;
                        if (total > limit) throw new RegistryException(502, "the registry sent more than the " + limit + " bytes expected");
                        sink.accept(java.util.Arrays.copyOf(buffer, n));
                    }
                }
                return null;
            });
            try {
                copy.get(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                copy.cancel(true);
                body.close();
                throw new RegistryException(504, "the registry sent too slowly; gave up after " + deadline.toSeconds() + " s");
            } catch (InterruptedException e) {
                copy.cancel(true);
                body.close();
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                throw new RegistryException(502, "the transfer failed: " + e.getCause().getClass().getSimpleName());
            }
        }
    }

    // ---- HTTP ----

    private URI base(Reference ref) throws RegistryException {
        if (insecure && !ref.isLoopback()) {
            throw new RegistryException(400, "--insecure (plain HTTP) is allowed only for loopback hosts, not " + ref.host());
        }
        return ref.base(insecure);
    }

    /** A redirect or upload location must stay on the registry's scheme, host and port. */
    private static URI sameOrigin(URI base, String location) throws RegistryException {
        URI next;
        try {
            next = base.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(502, "the registry sent an invalid location");
        }
        if (!base.getScheme().equalsIgnoreCase(next.getScheme()) || !base.getHost().equalsIgnoreCase(String.valueOf(next.getHost()))
                || base.getPort() != next.getPort()) {
            throw new RegistryException(502, "the registry redirected to another host (" + Printable.of(String.valueOf(next.getHost()))
                    + "); refused");
        }
        return next;
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(limits.connectTimeout());
        credentials.authorization().ifPresent(a -> builder.header("Authorization", a));
        headers.forEach(builder::header);
        return builder;
    }

    private HttpResponse<String> send(HttpRequest.Builder request, Duration deadline) throws IOException {
        return send(request.timeout(deadline).build(), HttpResponse.BodyHandlers.ofString(), deadline);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, Duration deadline) throws IOException {
        try {
            return http.sendAsync(request, handler).get(deadline.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RegistryException(504, "the registry did not answer in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof java.net.http.HttpTimeoutException) throw new RegistryException(504, "the registry did not answer in time");
            if (e.getCause() instanceof java.net.ConnectException) throw new RegistryException(502, "cannot connect to the registry " + request.uri().getAuthority());
            if (e.getCause() instanceof javax.net.ssl.SSLException) {
                throw new RegistryException(502, "TLS with the registry failed (its certificate is not trusted, or it does not speak TLS)");
            }
            throw new RegistryException(502, "the registry request failed: " + e.getCause().getClass().getSimpleName());
        }
    }

    private static RegistryException refused(String what, int status) {
        String why = switch (status) {
            case 401 -> "the registry needs credentials (BASTION_REGISTRY_TOKEN)";
            case 403 -> "the registry refused access";
            case 404 -> "not found in the registry";
            default -> "the registry answered HTTP " + status;
        };
        return new RegistryException(status == 401 || status == 403 || status == 404 ? status : 502, what + ": " + why);
    }

    private static InputStream open(ModelStore store, Layer layer) {
        try {
            return store.openBlob(layer, 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) sha.update(buffer, 0, n);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
