package dev.bastion.api;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.model.WeightFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Loads models on first use, keeps them resident for their keep_alive, evicts idle ones least-recently-used first to
 * stay within a memory budget, and limits each model to {@code numParallel} concurrent generations (fair queue).
 */
public final class ModelScheduler implements AutoCloseable {

    /** A model as {@code /api/ps} shows it; {@code expiresAt} is null when kept forever (while in use: as if idle now). */
    public record LoadedModel(String name, long sizeBytes, Instant expiresAt, int activeRequests) {}

    private static final Logger LOG = LoggerFactory.getLogger(ModelScheduler.class);

    private final ModelCatalog catalog;
    private final RuntimeLoader loader;
    private final SchedulerConfig config;
    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final ScheduledExecutorService sweeper;
    private volatile ModelGate gate = ModelGate.NONE;

    public ModelScheduler(ModelCatalog catalog, RuntimeLoader loader, SchedulerConfig config, Clock clock) {
        this.catalog = catalog;
        this.loader = loader;
        this.config = config;
        this.clock = clock;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("bastion-keepalive").factory());
        long every = config.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::unloadExpired, every, every, TimeUnit.MILLISECONDS);
    }

    public ModelScheduler(ModelCatalog catalog, RuntimeLoader loader, SchedulerConfig config) {
        this(catalog, loader, config, Clock.systemUTC());
    }

    /** Asks {@code gate} before every load (the registry's signature policy); set once, before serving. */
    public ModelScheduler gatedBy(ModelGate gate) {
        this.gate = java.util.Objects.requireNonNull(gate, "gate");
        return this;
    }

    /** A reserved generation slot on a loaded model; close it to release the slot and start the keep_alive timer. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private final KeepAlive keepAlive;
        private final long loadNanos;
        private boolean closed;

        private Lease(Entry entry, KeepAlive keepAlive, long loadNanos) {
            this.entry = entry;
            this.keepAlive = keepAlive;
            this.loadNanos = loadNanos;
        }

        public ModelRuntime runtime() {
            return entry.runtime;
        }

        /** Time spent loading the model for this request; 0 when it was already resident. */
        public long loadNanos() {
            return loadNanos;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            entry.slots.release();
            release(entry, keepAlive);
        }
    }

    /**
     * Loads {@code name} if needed and waits for a free slot on it.
     *
     * @throws ApiException from the catalog for bad or unknown names
     */
    public Lease acquire(String name, KeepAlive keepAlive) throws InterruptedException {
        Entry entry;
        boolean mustLoad;
        synchronized (this) {
            entry = entries.get(name);
            mustLoad = entry == null;
            if (mustLoad) {
                entry = new Entry(name, config.numParallel());
                entries.put(name, entry);
            }
            entry.users++;
            entry.expiresAt = keepAlive.expiry(clock.instant());
        }
        long loadNanos = 0;
        try {
            if (mustLoad) {
                long start = System.nanoTime();
                load(entry);
                loadNanos = System.nanoTime() - start;
            } else {
                awaitLoaded(entry);
            }
            entry.slots.acquire();
        } catch (InterruptedException | RuntimeException e) {
            release(entry, keepAlive);
            throw e;
        }
        return new Lease(entry, keepAlive, loadNanos);
    }

    /** Loads a model without running anything (Ollama's empty-prompt request), applying {@code keepAlive}. */
    public long preload(String name, KeepAlive keepAlive) throws InterruptedException {
        try (Lease lease = acquire(name, keepAlive)) {
            return lease.loadNanos();
        }
    }

    /** Requests waiting for a generation slot on a model (an estimate while threads come and go; for metrics). */
    public synchronized int queued() {
        return entries.values().stream().mapToInt(e -> e.slots.getQueueLength()).sum();
    }

    public synchronized List<LoadedModel> loaded() {
        List<LoadedModel> result = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.runtime != null) result.add(new LoadedModel(e.name, e.sizeBytes, e.expiresAt, e.users));
        }
        return result;
    }

    /** Unloads every idle model whose keep_alive has passed. */
    public void unloadExpired() {
        List<Entry> expired = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            for (Entry e : entries.values()) {
                if (e.idle() && e.expiresAt != null && !now.isBefore(e.expiresAt)) expired.add(e);
            }
            expired.forEach(e -> entries.remove(e.name));
        }
        expired.forEach(this::closeRuntime);
    }

    /** Unloads a model now if idle (e.g. after it was deleted from the store). */
    public void unloadIfIdle(String name) {
        Entry removed = null;
        synchronized (this) {
            Entry e = entries.get(name);
            if (e != null && e.idle()) removed = entries.remove(name);
        }
        if (removed != null) closeRuntime(removed);
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        List<Entry> all;
        synchronized (this) {
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        all.stream().filter(e -> e.runtime != null).forEach(this::closeRuntime);
    }

    private void load(Entry entry) {
        try {
            gate.beforeLoad(entry.name);
            ModelFiles files = catalog.open(entry.name);
            WeightFormat format = catalog.weightFormat(entry.name);
            long size = residentBytes(files, format);
            makeRoom(size, entry);
            ModelRuntime runtime = loader.load(files, format);
            runtime.limitSessions(config.sessions());
            synchronized (this) {
                entry.runtime = runtime;
                entry.sizeBytes = size;
            }
            entry.loaded.complete(null);
            LOG.info("loaded model {} ({} bytes of weights)", entry.name, size);
        } catch (Exception e) {
            synchronized (this) {
                entries.remove(entry.name, entry);
            }
            entry.loaded.completeExceptionally(e);
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException("loading model '" + entry.name + "' failed", e);
        }
    }

    private static void awaitLoaded(Entry entry) throws InterruptedException {
        try {
            entry.loaded.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException("loading model '" + entry.name + "' failed", e.getCause());
        }
    }

    /** Evicts idle models, least recently used first, until {@code size} more bytes fit; busy models are never evicted. */
    private void makeRoom(long size, Entry incoming) {
        List<Entry> evicted = new ArrayList<>();
        synchronized (this) {
            long resident = entries.values().stream().filter(e -> e.runtime != null).mapToLong(e -> e.sizeBytes).sum();
            List<Entry> candidates = entries.values().stream()
                    .filter(e -> e != incoming && e.runtime != null && e.idle())
                    .sorted(Comparator.comparing(e -> e.lastUsed)).toList();
            for (Entry e : candidates) {
                if (resident + size <= config.memoryBudgetBytes()) break;
                entries.remove(e.name);
                resident -= e.sizeBytes;
                evicted.add(e);
            }
            if (resident + size > config.memoryBudgetBytes()) {
                LOG.warn("model {} ({} bytes) exceeds the memory budget of {} bytes with busy models resident; loading anyway",
                        incoming.name, size, config.memoryBudgetBytes());
            }
        }
        evicted.forEach(e -> {
            LOG.info("evicting idle model {} to make room", e.name);
            closeRuntime(e);
        });
    }

    private void release(Entry entry, KeepAlive keepAlive) {
        boolean unload = false;
        synchronized (this) {
            entry.users--;
            entry.lastUsed = clock.instant();
            if (entry.idle()) {
                if (keepAlive.unloadNow() && entry.runtime != null) {
                    unload = entries.remove(entry.name, entry);
                } else {
                    entry.expiresAt = keepAlive.expiry(entry.lastUsed);
                }
            }
        }
        if (unload) closeRuntime(entry);
    }

    private void closeRuntime(Entry e) {
        try {
            e.runtime.close();
        } catch (RuntimeException ex) {
            LOG.warn("closing model {} failed", e.name, ex);
        }
    }

    /**
     * The memory the model's weights will take once loaded in {@code format}, as its format accounts for them (from
     * the tensor headers: F16 widened, Q8_0 at a byte per weight plus a scale per block, norms as F32).
     */
    static long residentBytes(ModelFiles files, WeightFormat format) throws IOException {
        if (files.onDisk()) return residentBytes(files.path(), format);
        // decrypted models: opening them to count would decrypt them twice; their bytes are what stays resident
        long bytes = 0;
        for (String name : files.names()) bytes += files.size(name);
        return bytes;
    }

    static long residentBytes(Path dir, WeightFormat format) throws IOException {
        try (Checkpoint checkpoint = ModelFormat.open(dir)) {
            return checkpoint.residentBytes(format);
        }
    }

    private final class Entry {
        final String name;
        final Semaphore slots;
        final CompletableFuture<Void> loaded = new CompletableFuture<>();
        ModelRuntime runtime;
        long sizeBytes;
        int users;
        Instant lastUsed = clock.instant();
        Instant expiresAt;

        Entry(String name, int parallel) {
            this.name = name;
            this.slots = new Semaphore(parallel, true);
        }

        boolean idle() {
            return users == 0;
        }
    }
}
