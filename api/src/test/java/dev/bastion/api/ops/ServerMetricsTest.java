package dev.bastion.api.ops;

import dev.bastion.api.Caller;
import dev.bastion.api.GenerationCall;
import dev.bastion.api.GenerationListener;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The generation hook: it passes the inner listener's verdicts through unchanged and counts what they charged. */
class ServerMetricsTest {

    private final ServerMetrics metrics = new ServerMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private double value(String name, String tag) {
        var counter = metrics.registry().find(name).tags(tag.split("=")[0], tag.split("=")[1]).counter();
        return counter == null ? Double.NaN : counter.count();
    }

    @Test
    void creditsTokensAndTheInnerTicketPassThrough() {
        AtomicInteger closed = new AtomicInteger();
        GenerationListener inner = new GenerationListener() {
            @Override
            public Ticket starting(GenerationCall call) {
                return new Ticket() {
                    @Override
                    public Long finished(GenerationResult result) {
                        return 42L;
                    }

                    @Override
                    public void close() {
                        closed.incrementAndGet();
                    }
                };
            }

            @Override
            public Long embedded(Caller caller, String storedModel, int inputs, int tokens) {
                return 7L;
            }
        };
        GenerationListener observed = metrics.observe(inner);
        GenerationCall call = new GenerationCall(new Caller("alice", "r1", null), "m", "m:latest", null, null, null, false, null);
        try (GenerationListener.Ticket ticket = observed.starting(call)) {
            assertThat(ticket.finished(new GenerationResult("x", DoneReason.STOP, 10, 4, 1_000_000, 2_000_000, 2))).isEqualTo(42L);
        }
        assertThat(closed).hasValue(1);
        assertThat(observed.embedded(call.caller(), "e:latest", 2, 30)).isEqualTo(7L);
        assertThat(value("bastion.credits.charged", "kind=generation")).isEqualTo(42);
        assertThat(value("bastion.credits.charged", "kind=embedding")).isEqualTo(7);
        assertThat(value("bastion.tokens.generated", "model=m:latest")).isEqualTo(4);
        assertThat(value("bastion.tokens.prefilled", "model=m:latest")).isEqualTo(8); // 10 prompt, 2 from the cache
        assertThat(value("bastion.embedding.tokens", "model=e:latest")).isEqualTo(30);
        assertThat(metrics.registry().find("bastion.generation.decode.tokens.per.second").summary().mean()).isEqualTo(2000.0);
        assertThat(metrics.scrape()).doesNotContain("alice");
    }

    @Test
    void aRefusedGenerationIsNotCountedAndUnmeteredOnesChargeNothing() {
        GenerationListener refusing = new GenerationListener() {
            @Override
            public Ticket starting(GenerationCall call) {
                throw new dev.bastion.api.ApiException(402, "insufficient credits", null);
            }
        };
        GenerationCall call = new GenerationCall(new Caller("bob", "r2", null), "m", "m:latest", null, null, null, false, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> metrics.observe(refusing).starting(call))
                .isInstanceOf(dev.bastion.api.ApiException.class);
        try (GenerationListener.Ticket t = metrics.observe(GenerationListener.NONE).starting(call)) {
            assertThat(t.finished(new GenerationResult("", DoneReason.CANCELLED, 0, 0, 0, 0))).isNull();
        }
        assertThat(metrics.registry().find("bastion.credits.charged").counter()).isNull();
        assertThat(value("bastion.generations", "done=cancelled")).isEqualTo(1);
        assertThat(value("bastion.tokens.generated", "model=m:latest")).isEqualTo(0);
    }
}
