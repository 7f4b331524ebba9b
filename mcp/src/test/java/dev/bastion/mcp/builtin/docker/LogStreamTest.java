package dev.bastion.mcp.builtin.docker;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogStreamTest {

    private static byte[] frame(int stream, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + bytes.length).put((byte) stream).put(new byte[3]).putInt(bytes.length).put(bytes)
                .array();
    }

    private static InputStream concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return new ByteArrayInputStream(out.toByteArray());
    }

    @Test
    void mergesStdoutAndStderrFramesInOrder() throws Exception {
        LogStream.Tail tail = LogStream.read(concat(frame(1, "one\n"), frame(2, "oops\n"), frame(1, "two\n")), true,
                1024, 1 << 20);
        assertThat(tail.text()).isEqualTo("one\noops\ntwo\n");
        assertThat(tail.truncated()).isFalse();
        assertThat(tail.bytes()).isEqualTo(13);
    }

    @Test
    void keepsOnlyTheLastWholeLinesWithinTheCap() throws Exception {
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 1000; i++) log.append("line ").append(i).append('\n');
        LogStream.Tail tail = LogStream.read(concat(frame(1, log.toString())), true, 100, 1 << 20);
        assertThat(tail.truncated()).isTrue();
        assertThat(tail.text().length()).isLessThanOrEqualTo(100);
        assertThat(tail.text()).startsWith("line ").endsWith("line 999\n");
        assertThat(tail.bytes()).isEqualTo(log.length());
    }

    @Test
    void stopsReadingAtTheReadLimitOfAnEndlessLog() throws Exception {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'y';
            }
        };
        LogStream.Tail tail = LogStream.read(endless, false, 64, 10_000);
        assertThat(tail.readLimitReached()).isTrue();
        assertThat(tail.bytes()).isEqualTo(10_000);
        assertThat(tail.text()).hasSize(64);
    }

    @Test
    void readsATtyContainersRawStreamAsItIs() throws Exception {
        byte[] raw = "\u0001not a frame header\n".getBytes(StandardCharsets.UTF_8);
        assertThat(LogStream.read(new ByteArrayInputStream(raw), false, 1024, 1 << 20).text())
                .isEqualTo("\u0001not a frame header\n");
    }

    @Test
    void aFrameThatClaimsMoreThanTheStreamHoldsIsAnError() {
        byte[] lying = ByteBuffer.allocate(12).put((byte) 1).put(new byte[3]).putInt(Integer.MAX_VALUE).put("abcd".getBytes())
                .array();
        assertThatThrownBy(() -> LogStream.read(new ByteArrayInputStream(lying), true, 1024, 1 << 20))
                .isInstanceOf(EOFException.class);
    }
}
