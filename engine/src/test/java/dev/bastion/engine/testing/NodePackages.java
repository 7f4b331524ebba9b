package dev.bastion.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The npm packages a test drives (official clients, MCP servers), installed from the lockfile next to their
 * package.json when any of them is missing: a checkout whose node_modules predates a newly added package gets it too.
 */
public final class NodePackages {

    private NodePackages() {
    }

    public static synchronized void install(Path dir) throws IOException, InterruptedException {
        if (installed(dir)) return;
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new AssertionError("npm ci failed in " + dir + ":\n" + output);
        }
    }

    /**
     * Runs {@code node script} in {@code dir} with {@code env} added, fails with its output unless it exits 0 within two
     * minutes, and returns the last line it printed (the scripts print their findings there, as JSON).
     */
    public static String runScript(Path dir, String script, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(script + " timed out");
        }
        String text = new String(output, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) throw new AssertionError(script + " exited " + p.exitValue() + ", output:\n" + text);
        return text.substring(text.lastIndexOf('\n') + 1);
    }

    private static boolean installed(Path dir) throws IOException {
        JsonNode dependencies = new ObjectMapper().readTree(dir.resolve("package.json").toFile()).path("dependencies");
        for (Iterator<String> names = dependencies.fieldNames(); names.hasNext(); ) {
            if (!Files.isRegularFile(dir.resolve("node_modules").resolve(names.next()).resolve("package.json"))) return false;
        }
        return true;
    }
}
