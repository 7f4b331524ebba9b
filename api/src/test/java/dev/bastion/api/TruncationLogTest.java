package dev.bastion.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** What truncation cut is in the server log, as counts; never what the cut text held. */
class TruncationLogTest extends FakeServerTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(Generations.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void capture() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        appender.start();
        logger.addAppender(appender);
        start(0, 1, 1 << 20);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
        logger.setAdditive(true);
    }

    private String log() {
        return String.join("\n", appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    }

    @Test
    void droppedTurnsAndCutEmbeddingInputsAreCountedNotQuoted() throws Exception {
        http.post("/api/chat", """
                {"model":"tiny","stream":false,"options":{"num_ctx":5,"num_predict":1},"messages":[
                {"role":"user","content":"secretword one two three"},{"role":"assistant","content":"hushhush four five six"},
                {"role":"user","content":"last"}]}""");
        http.post("/api/embed", "{\"model\":\"tiny\",\"input\":[\"" + "classified ".repeat(200) + "\",\"short\"]}");
        assertThat(log()).contains("left out its 2 oldest messages").contains("1 of 2 embedding inputs over the 128 positions")
                .doesNotContain("secretword").doesNotContain("hushhush").doesNotContain("classified");
    }
}
