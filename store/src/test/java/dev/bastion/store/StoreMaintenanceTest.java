package dev.bastion.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What a crashed import leaves behind is cleaned up; gc and verify report on the store. */
class StoreMaintenanceTest {

    @TempDir
    Path tmp;
    Path home;
    ModelStore store;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        store = new ModelStore(home);
        store.importDirectory(TinyModelDirectory.write(tmp.resolve("model"), 1), ModelName.parse("tiny"), null);
    }

    /** What kill -9 between a blob's rename and the manifest's leaves: a finished blob no manifest names, and a temp file. */
    private Path[] simulateCrashedImport() throws IOException {
        Path orphan = home.resolve("blobs/sha256-" + "ab".repeat(32));
        Files.writeString(orphan, "weights of an import that never finished");
        Path temp = Files.writeString(home.resolve("blobs/tmp-" + java.util.UUID.randomUUID()), "half a blob");
        return new Path[] {orphan, temp};
    }

    @Test
    void openingTheStoreRemovesWhatACrashedImportLeft() throws IOException {
        Path[] leftovers = simulateCrashedImport();
        List<Path> kept = blobs().stream().filter(p -> !List.of(leftovers).contains(p)).toList();
        new ModelStore(home);
        assertThat(leftovers[0]).doesNotExist();
        assertThat(leftovers[1]).doesNotExist();
        assertThat(blobs()).containsExactlyInAnyOrderElementsOf(kept);
        assertThat(store.materialize(ModelName.parse("tiny"))).isDirectory();
    }

    @Test
    void openingTheStoreWhileAnotherWriterHoldsTheLockRemovesNothing() throws Exception {
        Path[] leftovers = simulateCrashedImport();
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            // An import in progress (here: blocked inside its blob hook) holds the store lock.
            store.blobHook = (temp, layer) -> {
                locked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Future<Manifest> importing = writer.submit(() ->
                    store.importDirectory(TinyModelDirectory.write(tmp.resolve("other"), 2), ModelName.parse("other"), null));
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
            new ModelStore(home);
            assertThat(leftovers[0]).exists();
            assertThat(leftovers[1]).exists();
            release.countDown();
            importing.get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            writer.shutdownNow();
        }
        assertThat(store.materialize(ModelName.parse("other"))).isDirectory();
    }

    @Test
    void gcRemovesUnreferencedBlobsAndTemporariesAndSaysWhatAndHowMuch() throws IOException {
        Path[] leftovers = simulateCrashedImport();
        long bytes = Files.size(leftovers[0]) + Files.size(leftovers[1]);
        ModelStore.Garbage garbage = store.collectGarbage();
        assertThat(garbage.files()).containsExactlyInAnyOrder("blobs/" + leftovers[0].getFileName(), "blobs/" + leftovers[1].getFileName());
        assertThat(garbage.bytes()).isEqualTo(bytes);
        assertThat(leftovers[0]).doesNotExist();
        assertThat(store.collectGarbage().files()).isEmpty();
        assertThat(store.materialize(ModelName.parse("tiny"))).isDirectory();
    }

    @Test
    void gcKeepsEverythingWhileAManifestIsUnreadable() throws IOException {
        Path orphan = simulateCrashedImport()[0];
        Files.createDirectories(home.resolve("manifests/library/broken"));
        Files.writeString(home.resolve("manifests/library/broken/latest"), "{");
        assertThat(store.collectGarbage().keptBecause()).contains("library/broken/latest");
        assertThat(orphan).exists();
    }

    @Test
    void verifyOfAHealthyStoreFindsNothing() throws IOException {
        ModelStore.Verification verification = store.verify();
        assertThat(verification.problems()).isEmpty();
        assertThat(verification.manifests()).isEqualTo(1);
        assertThat(verification.blobs()).isEqualTo(TinyModelDirectory.FILES);
    }

    @Test
    void verifyReportsCorruptBlobsMissingBlobsAndCorruptManifests() throws IOException {
        Manifest manifest = store.manifest(ModelName.parse("tiny")).orElseThrow();
        Path weights = home.resolve("blobs/sha256-" + manifest.layers().stream()
                .filter(l -> l.type() == LayerType.WEIGHTS).findFirst().orElseThrow().hex());
        Path tokenizer = home.resolve("blobs/sha256-" + manifest.layer(LayerType.TOKENIZER).orElseThrow().hex());
        weights.toFile().setWritable(true);
        Files.writeString(weights, "tampered");
        Files.delete(tokenizer);
        Files.createDirectories(home.resolve("manifests/library/broken"));
        Files.writeString(home.resolve("manifests/library/broken/latest"), "{");

        List<String> problems = store.verify().problems();
        assertThat(problems).hasSize(3);
        assertThat(problems).anyMatch(p -> p.contains(weights.getFileName().toString()) && p.contains("does not match its digest"));
        assertThat(problems).anyMatch(p -> p.contains("model 'tiny:latest'") && p.contains(tokenizer.getFileName().toString())
                && p.contains("tokenizer.json") && p.contains("missing"));
        assertThat(problems).anyMatch(p -> p.contains("library/broken/latest") && p.contains("corrupt"));
    }

    private List<Path> blobs() throws IOException {
        try (var files = Files.list(home.resolve("blobs"))) {
            return files.toList();
        }
    }
}
