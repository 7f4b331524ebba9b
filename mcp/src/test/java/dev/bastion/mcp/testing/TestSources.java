package dev.bastion.mcp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSpec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** Small sources for gateway tests: they record what reached them, so a test can tell a refusal from a call. */
public final class TestSources {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestSources() {
    }

    static JsonNode objectSchema() {
        return JSON.createObjectNode().put("type", "object");
    }

    /** Namespace {@code echo}: {@code echo__say} returns its {@code text} argument, {@code echo__fail} throws. */
    public static class Echo implements ToolSource {
        public final List<ToolInvocation> received = new CopyOnWriteArrayList<>();
        private final String namespace;

        public Echo() {
            this("echo");
        }

        public Echo(String namespace) {
            this.namespace = namespace;
        }

        @Override
        public String namespace() {
            return namespace;
        }

        @Override
        public List<ToolSpec> tools() {
            return List.of(new ToolSpec("say", "Says the text back", objectSchema(), null),
                    new ToolSpec("fail", "Cannot be called", objectSchema(), null),
                    new ToolSpec("read", "Reads", objectSchema(), null));
        }

        @Override
        public ToolResult call(ToolInvocation invocation) throws ToolException {
            received.add(invocation);
            if (invocation.tool().equals("fail")) throw new ToolException("the echo upstream is down");
            return ToolResult.text(namespace + ":" + invocation.tool() + ":" + invocation.arguments().path("text").asText()
                    + ":" + invocation.user().name());
        }
    }

    /**
     * Namespace {@code slow}: {@code slow__wait} reports progress once, then waits until it is cancelled (checking its
     * token) and records how it ended; {@code slow__hang} ignores its token and only stops when interrupted.
     */
    public static final class Slow implements ToolSource {
        public final CountDownLatch started = new CountDownLatch(1);
        public final Map<String, String> endings = new ConcurrentHashMap<>();

        @Override
        public String namespace() {
            return "slow";
        }

        @Override
        public List<ToolSpec> tools() {
            return List.of(new ToolSpec("wait", "Waits until cancelled", objectSchema(), null),
                    new ToolSpec("hang", "Hangs", objectSchema(), null));
        }

        @Override
        public ToolResult call(ToolInvocation invocation) {
            invocation.progress().progress(1, 10.0, "started");
            started.countDown();
            String id = invocation.arguments().path("id").asText("none");
            try {
                while (invocation.tool().equals("hang") || !invocation.cancel().isCancelled()) {
                    Thread.sleep(10);
                }
                endings.put(id, "cancelled");
            } catch (InterruptedException e) {
                endings.put(id, "interrupted");
            }
            return ToolResult.text("stopped");
        }
    }
}
