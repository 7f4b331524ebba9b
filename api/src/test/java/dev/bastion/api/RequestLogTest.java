package dev.bastion.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The request line of every request carries its request id in the log context, and nothing leaks to the next. */
class RequestLogTest extends FakeServerTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(BastionServer.class);
    /** Captures each event's MDC on the logging thread (Logback reads it lazily, on whichever thread asks). */
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };
    private Level previousLevel;

    @BeforeEach
    void capture() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false); // captured, not printed
        appender.start();
        logger.addAppender(appender);
        SecurityFilterChain chain = new SecurityFilterChain(
                SecurityConfig.defaults().withInsecureNoAuth(true).withBind("127.0.0.1", 0), null, null);
        start(0, 1, chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))));
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
        logger.setAdditive(true);
    }

    @Test
    void theRequestLineCarriesTheClientsRequestId() throws Exception {
        new TestHttp(server.baseUrl(), "X-Request-Id", "trace-42").get("/api/tags");
        new TestHttp(server.baseUrl(), "X-Request-Id", "trace-43").post("/api/show", "{\"model\":\"nope\"}");

        ILoggingEvent tags = awaitLine("GET /api/tags");
        assertThat(tags.getMDCPropertyMap()).containsEntry("requestId", "trace-42").containsEntry("user", "local");
        assertThat(tags.getFormattedMessage()).contains("-> 200");
        ILoggingEvent show = awaitLine("POST /api/show");
        assertThat(show.getMDCPropertyMap()).containsEntry("requestId", "trace-43");
        assertThat(show.getFormattedMessage()).contains("-> 404");
        assertThat(MDC.get("requestId")).isNull();
    }

    @Test
    void aRequestWithoutAnIdGetsAGeneratedOneInTheLogAndTheResponse() throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/api/version")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String id = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(awaitLine("GET /api/version").getMDCPropertyMap()).containsEntry("requestId", id);
    }

    /** The request line is written after the response, so it may arrive a moment later. */
    private ILoggingEvent awaitLine(String prefix) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<ILoggingEvent> events;
            synchronized (appender) { // the appender adds under this lock
                events = List.copyOf(appender.list);
            }
            Optional<ILoggingEvent> line = events.stream()
                    .filter(e -> e.getFormattedMessage().startsWith(prefix)).findFirst();
            if (line.isPresent()) return line.get();
            Thread.sleep(20);
        }
        throw new AssertionError("no request line starting with '" + prefix + "' in " + appender.list);
    }
}
