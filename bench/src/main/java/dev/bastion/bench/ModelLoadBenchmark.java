package dev.bastion.bench;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.store.KeyEncryptionKey;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.StoreEncryption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loading a ~100 MB model (SmolLM2-135M's layer shape cut to 6 layers, BF16: 99 MB of weights) from the store, in
 * clear (verified once, then memory-mapped) and encrypted (decrypted into off-heap memory, every chunk
 * authenticated), and generating its first token, which makes the mapped model touch every weight too. The file
 * is in the page cache for both: what is compared is mapping against decrypting, not the disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class ModelLoadBenchmark {

    static final TinyModelSpec SPEC = new TinyModelSpec(576, 1536, 6, 9, 3, 49152, DType.BF16, true, false, 1);
    static final ModelName NAME = ModelName.parse("bench");

    /** plain: stored in clear; encrypted: AES-256-GCM chunks, decrypted on load. */
    @Param({"plain", "encrypted"})
    public String storage;

    private Path dir;
    private ModelStore store;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("bastion-load-bench-");
        Path model = TinyModelGenerator.generate(dir.resolve("model"), Architecture.LLAMA, SPEC, 1);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        store = new ModelStore(dir.resolve("home"), new StoreEncryption(KeyEncryptionKey.of(key), storage.equals("encrypted")));
        store.importDirectory(model, NAME, null);
        store.open(NAME); // the plain model's blobs are hashed once here; later loads trust the verified marker
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        BenchModels.delete(dir);
    }

    /** Open and load only: a mapped model has read nothing of its weights yet. */
    @Benchmark
    public int load() throws IOException {
        try (LocalModelRuntime runtime = LocalModelRuntime.load(store.open(NAME), WeightFormat.AS_STORED)) {
            return runtime.config().vocabSize();
        }
    }

    /** Load and generate one token: every weight read once, from the mapping or from the decrypted memory. */
    @Benchmark
    public String loadAndFirstToken() throws IOException {
        try (LocalModelRuntime runtime = LocalModelRuntime.load(store.open(NAME), WeightFormat.AS_STORED)) {
            GenerationOptions options = new GenerationOptions(SamplerOptions.GREEDY, 1, 0, List.of());
            return runtime.generate("Hello", options, TokenSink.IGNORE, new CancellationToken()).text();
        }
    }
}
