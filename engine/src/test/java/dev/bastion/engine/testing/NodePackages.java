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

    private static boolean installed(Path dir) throws IOException {
        JsonNode dependencies = new ObjectMapper().readTree(dir.resolve("package.json").toFile()).path("dependencies");
        for (Iterator<String> names = dependencies.fieldNames(); names.hasNext(); ) {
            if (!Files.isRegularFile(dir.resolve("node_modules").resolve(names.next()).resolve("package.json"))) return false;
        }
        return true;
    }
}
