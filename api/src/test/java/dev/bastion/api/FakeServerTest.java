package dev.bastion.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Starts a real server on an ephemeral port over a {@link FakeCatalog} and {@link FakeRuntime}s. */
abstract class FakeServerTest {

    @TempDir
    Path home;

    final Map<String, FakeRuntime> runtimes = new ConcurrentHashMap<>();
    BastionServer server;
    FakeCatalog catalog;
    TestHttp http;
    GenerationListener listener = GenerationListener.NONE;

    BastionServer start(long tokenDelayMillis, int parallel, long maxBody) {
        return start(tokenDelayMillis, parallel, ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withMaxBodyBytes(maxBody));
    }

    BastionServer start(long tokenDelayMillis, int parallel, ServerConfig base) {
        catalog = new FakeCatalog(home).add("tiny", 64, Map.of()).add("tiny:chat", 64, Map.of("stop", List.of("zzz")));
        ServerConfig config = base.withScheduler(new SchedulerConfig(1L << 30, parallel, KeepAlive.DEFAULT, Duration.ofSeconds(1)));
        server = new BastionServer(config, catalog, (dir, format) -> {
            FakeRuntime rt = new FakeRuntime(dir.getFileName().toString(), tokenDelayMillis);
            runtimes.put(rt.name, rt);
            return rt;
        }, listener).start();
        http = new TestHttp(server.baseUrl());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }
}
