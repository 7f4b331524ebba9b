package dev.bastion.mcp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;

/**
 * Checks a call's arguments against the size and nesting caps before anything recurses over them, and fingerprints
 * them: SHA-256 of their canonical form (object keys sorted, no whitespace), which the audit log records instead of
 * the arguments themselves.
 */
final class ToolArguments {

    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    /** Why arguments were refused; the message is safe to show. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    record Checked(JsonNode arguments, String sha256) {
    }

    private ToolArguments() {
    }

    static Checked check(JsonNode arguments, int maxBytes, int maxDepth) throws Invalid {
        JsonNode args = arguments == null || arguments.isNull() || arguments.isMissingNode()
                ? JsonNodeFactory.instance.objectNode() : arguments;
        if (!args.isObject()) throw new Invalid("tool arguments must be a JSON object");
        if (depth(args, maxDepth) > maxDepth) {
            throw new Invalid("tool arguments are nested deeper than " + maxDepth + " levels");
        }
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (CappedSink sink = new CappedSink(maxBytes); DigestOutputStream out = new DigestOutputStream(sink, sha256)) {
            CANONICAL.writeValue(out, args);
        } catch (CappedSink.Exceeded e) {
            throw new Invalid("tool arguments exceed " + maxBytes + " bytes");
        } catch (IOException e) {
            throw new Invalid("tool arguments cannot be serialized");
        }
        return new Checked(args, HexFormat.of().formatHex(sha256.digest()));
    }

    /** Depth without recursion, giving up as soon as it passes {@code limit}. */
    private static int depth(JsonNode root, int limit) {
        record Level(JsonNode node, int depth) {
        }
        Deque<Level> pending = new ArrayDeque<>();
        pending.push(new Level(root, 1));
        int deepest = 0;
        while (!pending.isEmpty()) {
            Level level = pending.pop();
            deepest = Math.max(deepest, level.depth());
            if (deepest > limit) return deepest;
            for (Iterator<JsonNode> children = level.node().elements(); children.hasNext(); ) {
                JsonNode child = children.next();
                if (child.isContainerNode()) pending.push(new Level(child, level.depth() + 1));
            }
        }
        return deepest;
    }

    /** Counts bytes and stops the writer once there are too many, so a huge argument is never copied whole. */
    private static final class CappedSink extends OutputStream {
        static final class Exceeded extends IOException {
        }

        private final long max;
        private long written;

        CappedSink(long max) {
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
        }

        private void count(int n) throws Exceeded {
            written += n;
            if (written > max) throw new Exceeded();
        }
    }
}
