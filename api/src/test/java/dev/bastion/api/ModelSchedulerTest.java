package dev.bastion.api;

import dev.bastion.engine.generate.SessionCache;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelSchedulerTest {

    @TempDir
    Path home;

    private final MutableClock clock = MutableClock.of(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private final Map<String, FakeRuntime> loaded = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final Map<String, WeightFormat> loadedFormats = new ConcurrentHashMap<>();
    private ModelScheduler scheduler;

    private ModelScheduler scheduler(FakeCatalog catalog, long budget, int parallel) {
        RuntimeLoader loader = (dir, format) -> {
            loads.incrementAndGet();
            FakeRuntime rt = new FakeRuntime(dir.getFileName().toString(), 0);
            loadedFormats.put(rt.name, format);
            loaded.put(rt.name, rt);
            return rt;
        };
        scheduler = new ModelScheduler(catalog, loader, new SchedulerConfig(budget, parallel, KeepAlive.DEFAULT, Duration.ofHours(1)), clock);
        return scheduler;
    }

    @AfterEach
    void close() {
        if (scheduler != null) scheduler.close();
    }

    @Test
    void aLoadedModelKeepsItsKvCachesWithinTheConfiguredLimits() throws Exception {
        SessionCache.Limits limits = new SessionCache.Limits(3, 12345);
        scheduler = new ModelScheduler(new FakeCatalog(home).add("a", 100, Map.of()), (dir, format) -> {
            FakeRuntime rt = new FakeRuntime("a", 0);
            loaded.put(rt.name, rt);
            return rt;
        }, new SchedulerConfig(1000, 1, KeepAlive.DEFAULT, Duration.ofHours(1)).withSessions(limits), clock);
        scheduler.preload("a", KeepAlive.DEFAULT);
        assertThat(loaded.get("a").sessionLimits).isEqualTo(limits);
    }

    @Test
    void loadsOnceAndKeepsResidentUntilKeepAliveExpires() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 100, Map.of()), 1000, 1);
        try (var lease = s.acquire("a", KeepAlive.parse("10m"))) {
            assertThat(lease.loadNanos()).isPositive();
            assertThat(s.loaded()).singleElement().satisfies(m -> {
                assertThat(m.sizeBytes()).isEqualTo(100);
                assertThat(m.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
                assertThat(m.activeRequests()).isEqualTo(1);
            });
        }
        try (var again = s.acquire("a", KeepAlive.parse("10m"))) {
            assertThat(again.loadNanos()).isZero();
        }
        assertThat(loads).hasValue(1);
        assertThat(s.loaded().getFirst().expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));

        clock.add(Duration.ofMinutes(9));
        s.unloadExpired();
        assertThat(s.loaded()).hasSize(1);
        clock.add(Duration.ofMinutes(1));
        s.unloadExpired();
        assertThat(s.loaded()).isEmpty();
        assertThat(loaded.get("a").closed).isTrue();
    }

    @Test
    void aQ8ModelIsLoadedAsQ8AndCountsAboutHalfItsBf16Bytes() throws Exception {
        FakeCatalog catalog = new FakeCatalog(home).add("q", 6400, Map.of()).quantized("q").add("b", 3200, Map.of());
        ModelScheduler s = scheduler(catalog, 7000, 1);
        s.acquire("q", KeepAlive.parse("10m")).close();
        s.acquire("b", KeepAlive.parse("10m")).close();
        assertThat(loadedFormats).containsEntry("q", WeightFormat.Q8_0).containsEntry("b", WeightFormat.AS_STORED);
        // 6400 bytes of BF16 are 3200 weights, 3400 bytes as Q8_0 (a byte each, an F16 scale per 32): both fit in 7000.
        assertThat(s.loaded()).extracting(ModelScheduler.LoadedModel::sizeBytes).containsExactlyInAnyOrder(3400L, 3200L);
        assertThat(loaded.get("q").closed).isFalse();
    }

    @Test
    void keepAliveZeroUnloadsAfterTheRequestAndForeverNeverExpires() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 10, Map.of()).add("b", 10, Map.of()), 1000, 1);
        s.acquire("a", KeepAlive.UNLOAD_NOW).close();
        assertThat(s.loaded()).isEmpty();
        assertThat(loaded.get("a").closed).isTrue();
        s.acquire("b", KeepAlive.FOREVER).close();
        clock.add(Duration.ofDays(10_000));
        s.unloadExpired();
        assertThat(s.loaded()).extracting(ModelScheduler.LoadedModel::name).containsExactly("b");
    }

    @Test
    void evictsLeastRecentlyUsedIdleModelsToStayWithinBudget() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 400, Map.of()).add("b", 400, Map.of()).add("c", 400, Map.of()), 1000, 1);
        s.acquire("a", KeepAlive.DEFAULT).close();
        clock.add(Duration.ofSeconds(1));
        s.acquire("b", KeepAlive.DEFAULT).close();
        clock.add(Duration.ofSeconds(1));
        s.acquire("a", KeepAlive.DEFAULT).close(); // a is now more recent than b
        clock.add(Duration.ofSeconds(1));
        s.acquire("c", KeepAlive.DEFAULT).close();
        assertThat(s.loaded()).extracting(ModelScheduler.LoadedModel::name).containsExactlyInAnyOrder("a", "c");
        assertThat(loaded.get("b").closed).isTrue();
        assertThat(loaded.get("a").closed).isFalse();
    }

    @Test
    void neverEvictsABusyModel() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 800, Map.of()).add("b", 800, Map.of()), 1000, 1);
        try (var busy = s.acquire("a", KeepAlive.DEFAULT)) {
            s.acquire("b", KeepAlive.DEFAULT).close();
            assertThat(loaded.get("a").closed).isFalse();
            assertThat(s.loaded()).hasSize(2);
        }
    }

    @Test
    void limitsParallelismPerModelWithAQueue() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 10, Map.of()), 1000, 2);
        var first = s.acquire("a", KeepAlive.DEFAULT);
        var second = s.acquire("a", KeepAlive.DEFAULT);
        CountDownLatch thirdIn = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> third = pool.submit(() -> {
                try (var lease = s.acquire("a", KeepAlive.DEFAULT)) {
                    thirdIn.countDown();
                }
                return null;
            });
            assertThat(thirdIn.await(200, TimeUnit.MILLISECONDS)).as("third waits while two run").isFalse();
            assertThat(s.loaded().getFirst().activeRequests()).isEqualTo(3);
            first.close();
            assertThat(thirdIn.await(5, TimeUnit.SECONDS)).isTrue();
            third.get(5, TimeUnit.SECONDS);
        } finally {
            second.close();
            pool.shutdownNow();
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void concurrentFirstRequestsLoadTheModelOnce() throws Exception {
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 10, Map.of()), 1000, 4);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Object>> all = pool.invokeAll(List.of(
                    () -> { s.acquire("a", KeepAlive.DEFAULT).close(); return null; },
                    () -> { s.acquire("a", KeepAlive.DEFAULT).close(); return null; },
                    () -> { s.acquire("a", KeepAlive.DEFAULT).close(); return null; }));
            for (Future<Object> f : all) f.get(5, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(loads).hasValue(1);
    }

    @Test
    void unknownModelsAndLoadFailuresLeaveNothingBehind() throws Exception {
        FakeCatalog catalog = new FakeCatalog(home).add("a", 10, Map.of());
        scheduler = new ModelScheduler(catalog, (dir, format) -> { throw new java.io.IOException("corrupt weights"); },
                new SchedulerConfig(1000, 1, KeepAlive.DEFAULT, Duration.ofHours(1)), clock);
        assertThatThrownBy(() -> scheduler.acquire("nope", KeepAlive.DEFAULT))
                .isInstanceOf(ApiException.class).hasMessageContaining("not found");
        assertThatThrownBy(() -> scheduler.acquire("a", KeepAlive.DEFAULT)).hasMessageContaining("loading model 'a' failed");
        assertThat(scheduler.loaded()).isEmpty();
    }

    @Test
    void aGateIsAskedBeforeEachLoadAndItsRefusalLoadsNothing() throws Exception {
        java.util.List<String> asked = new java.util.ArrayList<>();
        ModelScheduler s = scheduler(new FakeCatalog(home).add("a", 100, Map.of()).add("b", 100, Map.of()), 1000, 1)
                .gatedBy(model -> {
                    asked.add(model);
                    if (model.equals("b")) throw new ApiException(403, "model 'b' is not signed", null);
                });
        assertThatThrownBy(() -> s.acquire("b", KeepAlive.DEFAULT)).isInstanceOf(ApiException.class)
                .hasMessageContaining("not signed").satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(403));
        assertThat(loaded).doesNotContainKey("b");
        assertThat(s.loaded()).isEmpty();
        s.acquire("a", KeepAlive.DEFAULT).close();
        s.acquire("a", KeepAlive.DEFAULT).close(); // resident: not asked again
        assertThat(loaded).containsKey("a");
        assertThat(asked).containsExactly("b", "a");
    }

    /** The format layer's count of a real model: its tensors as loaded, not the files (header, other files). */
    @Test
    void residentBytesAreTheTensorsAsTheEngineHoldsThem(@TempDir Path dir) throws Exception {
        Path model = Stories260K.copyTo(dir.resolve("stories260K"));
        java.nio.file.Files.write(model.resolve("notes.safetensors"), new byte[300]);
        // 260,032 F32 weights; Q8_0 quantizes the embeddings and the 64-column matrices (down_proj has 172 columns).
        assertThat(ModelScheduler.residentBytes(model, WeightFormat.AS_STORED)).isEqualTo(260_032L * 4);
        assertThat(ModelScheduler.residentBytes(model, WeightFormat.Q8_0)).isEqualTo(440_032L); // Q8_0 in ggml blocks: an F16 scale per 32 weights
    }
}
