package dev.bastion.cluster;

import dev.bastion.registry.Progress;
import dev.bastion.registry.Reference;
import dev.bastion.registry.RegistryClient;
import dev.bastion.registry.RegistryException;
import dev.bastion.registry.RegistryLimits;
import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.store.Layer;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelInfo;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Copies a model from a peer into this node's store over the registry protocol on the peer's node port (mutual TLS
 * under the cluster CA, both ways): the manifest and its signature first, checked under {@code BASTION_REQUIRE_SIGNED}
 * against the shared trust store exactly as a user's pull is, before any blob is fetched; then each blob, verified
 * against its digest; the store commits the model last (encrypting it under this node's keys when its store encrypts).
 * One copy per model at a time on this node: a second request for it joins the first. A failed copy leaves nothing
 * behind (no model, no partial blobs) and is tried from the next holder, unless the signature policy refused it.
 */
final class Replicator {

    static final String AUDIT_ACTION = "cluster.replicate";
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    /** Peers are on the cluster's own network: one that stalls (a frozen process) is given up on sooner than a registry. */
    static final RegistryLimits PEER_LIMITS = new RegistryLimits(RegistryLimits.DEFAULTS.maxManifestBytes(),
            RegistryLimits.DEFAULTS.maxLayers(), RegistryLimits.DEFAULTS.maxLayerBytes(), Duration.ofSeconds(10), 1L << 20);

    /** Why a copy did not happen; {@code status} is what the waiting client is answered. */
    static final class ReplicationException extends Exception {
        final int status;

        ReplicationException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final String self;
    private final SSLContext tls;
    private final ModelStore store;
    private final SignatureGuard signatures;
    private final AuditLog audit;
    private final RegistryLimits limits;
    private final Map<String, CompletableFuture<String>> running = new LinkedHashMap<>();
    private volatile Map<String, Long> sizes = Map.of();
    private volatile List<String> sized = List.of();

    /** @param signatures the signature policy (null: none, as {@code off}); @param audit null: not recorded */
    Replicator(String self, SSLContext tls, ModelStore store, SignatureGuard signatures, AuditLog audit,
               RegistryLimits limits) {
        this.self = self;
        this.tls = tls;
        this.store = store;
        this.signatures = signatures;
        this.audit = audit;
        this.limits = limits;
    }

    /**
     * Starts copying {@code model} (a stored name, {@code ns/name:tag} or {@code name:tag}) unless this node is copying
     * it already, in which case that copy is returned.
     *
     * @param sources the holders to try, best first, asked when the copy starts and not before
     * @return completes with the manifest digest once the model is in the store, or with a {@link ReplicationException}
     */
    CompletableFuture<String> replicate(String model, Supplier<List<NodeState>> sources, String requestId) {
        CompletableFuture<String> copy;
        synchronized (running) {
            CompletableFuture<String> existing = running.get(model);
            if (existing != null) return existing;
            copy = new CompletableFuture<>();
            running.put(model, copy);
        }
        Thread.ofVirtual().name("bastion-replicate").start(() -> {
            try {
                copy.complete(copy(model, sources.get(), requestId));
            } catch (ReplicationException e) {
                copy.completeExceptionally(e);
            } catch (RuntimeException | Error e) {
                LOG.error("copying model {} failed", model, e);
                copy.completeExceptionally(new ReplicationException(500, "copying the model from a peer node failed"));
            } finally {
                synchronized (running) {
                    running.remove(model, copy);
                }
            }
        });
        return copy;
    }

    /** The models this node is copying now, published in its state so others wait for them instead of asking again. */
    List<String> pulling() {
        synchronized (running) {
            return List.copyOf(running.keySet());
        }
    }

    /** Bytes of each of the {@code held} models (read from the store when the list changes). */
    Map<String, Long> sizes(List<String> held) {
        if (held.equals(sized)) return sizes;
        Map<String, Long> bytes = new LinkedHashMap<>();
        try {
            for (ModelInfo info : store.list()) bytes.put(info.name().toString(), info.size());
        } catch (IOException e) {
            LOG.warn("cannot read the model sizes: {}", e.toString());
            return sizes;
        }
        sizes = Map.copyOf(bytes);
        sized = List.copyOf(held);
        return sizes;
    }

    private String copy(String model, List<NodeState> sources, String requestId) throws ReplicationException {
        ModelName name = ModelName.parse(model);
        try {
            Optional<Manifest> have = store.manifest(name);
            if (have.isPresent()) return SignatureGuard.manifestDigest(have.get()); // a copy finished meanwhile
        } catch (IOException e) {
            throw new ReplicationException(500, "this node's model store cannot be read");
        }
        if (sources.isEmpty()) {
            record(requestId, model, "none", null, "failure", "no reachable node holds it");
            throw new ReplicationException(503, "no reachable node holds model '" + model + "' to copy it from");
        }
        // the peer reads as this node: the holder's node port believed the certificate, this names whom it served
        Map<String, String> asNode = Map.of(ForwardedIdentity.HEADER, ForwardedIdentity.encode(
                new Principal(0, self, Role.ADMIN, Set.of(Scope.MODELS_USE, Scope.ADMIN), null)));
        RegistryClient client = RegistryClient.mutualTls(limits, tls, asNode);
        for (NodeState source : sources) {
            Manifest[] seen = {null};
            try {
                Reference ref = new Reference(URI.create(source.url()).getRawAuthority(), name);
                RegistryClient.Pulled pulled = client.pull(ref, store, name, owner(name), Progress.NONE,
                        (manifest, digest, signature) -> {
                            seen[0] = manifest;
                            if (signatures != null) signatures.check("pull", model, digest, signature, self, requestId);
                        });
                record(requestId, model, source.name(), pulled.digest(), "success", null);
                LOG.info("copied model {} from node {} ({})", model, source.name(), pulled.digest());
                return pulled.digest();
            } catch (SignatureGuard.RefusedException e) {
                discard(seen[0]);
                record(requestId, model, source.name(), null, "failure", e.getMessage());
                throw new ReplicationException(403, e.getMessage()); // another holder's copy is the same model
            } catch (IOException | RuntimeException e) {
                discard(seen[0]);
                String reason = e instanceof RegistryException ? e.getMessage() : e.getClass().getSimpleName();
                record(requestId, model, source.name(), null, "failure", reason);
                LOG.warn("copying model {} from node {} failed: {}", model, source.name(), reason);
            }
        }
        throw new ReplicationException(502, "model '" + model + "' could not be copied from another node; try again");
    }

    /** Shared library models stay shared; a user's namespace stays that user's. */
    private static String owner(ModelName name) {
        return ModelName.DEFAULT_NAMESPACE.equals(name.namespace()) ? null : name.namespace();
    }

    /** What a failed copy fetched is not kept for a resume: the next try may be from another holder, or never. */
    private void discard(Manifest manifest) {
        if (manifest == null) return;
        try {
            Path transfers = store.transfers();
            for (Layer layer : manifest.allLayers()) {
                if (store.hasBlob(layer)) continue;
                Files.deleteIfExists(transfers.resolve("sha256-" + layer.hex()));
                Files.deleteIfExists(transfers.resolve("sha256-" + layer.hex() + ".part"));
            }
        } catch (IOException e) {
            LOG.warn("cannot remove a failed copy's partial blobs: {}", e.toString());
        }
    }

    private void record(String requestId, String model, String source, String digest, String outcome, String reason) {
        if (audit == null) return;
        Map<String, String> details = new LinkedHashMap<>();
        details.put("source", source);
        if (digest != null) details.put("digest", digest);
        if (reason != null) details.put("reason", reason);
        audit.append(new AuditEvent(requestId, "system", AUDIT_ACTION, model, outcome, details));
    }
}
