package dev.bastion.mcp.builtin;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.bastion.engine.generate.CancellationToken;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Finds a substring or a regular expression in file names and in the content of text files under a directory of the
 * workspace. Regular expressions are RE2 (linear time: no catastrophic backtracking); the search also stops at a
 * number of matches, of files, and a wall-clock deadline, and reads no file over {@code maxSearchFileBytes}. Links are
 * not followed; files with several links, devices, FIFOs and sockets are not opened.
 */
final class WorkspaceSearch {

    static final int MAX_PATTERN_CHARS = 1000;
    static final int MAX_LINE_CHARS = 4096;
    private static final int MAX_DEPTH = 64;
    private static final int MAX_NAMES_PER_DIRECTORY = 100_000;
    private static final int SHOWN_LINE_CHARS = 200;

    record Match(String path, int line, String text) {
    }

    record Result(List<Match> matches, boolean truncated, String stoppedBecause) {
    }

    private final WorkspaceJail jail;
    private final FilesLimits limits;
    private final List<Match> matches = new ArrayList<>();
    private Predicate<String> matcher;
    private long deadline;
    private int filesSeen;
    private String stoppedBecause;
    private CancellationToken cancel;

    WorkspaceSearch(Path workspace, FilesLimits limits) {
        this.jail = new WorkspaceJail(workspace);
        this.limits = limits;
    }

    Result search(WorkspacePath under, String query, boolean regex, boolean ignoreCase, CancellationToken cancel)
            throws SandboxRefusal, IOException {
        this.cancel = cancel;
        if (query == null || query.isEmpty()) throw new SandboxRefusal("give a non-empty query");
        if (query.length() > MAX_PATTERN_CHARS) throw new SandboxRefusal("the query is longer than " + MAX_PATTERN_CHARS + " characters");
        matcher = matcher(query, regex, ignoreCase);
        deadline = System.nanoTime() + limits.searchTimeout().toNanos();
        try (SecureDirectoryStream<Path> directory = jail.openDirectory(under)) {
            walk(directory, under, 0);
        }
        return new Result(List.copyOf(matches), stoppedBecause != null, stoppedBecause);
    }

    private static Predicate<String> matcher(String query, boolean regex, boolean ignoreCase) throws SandboxRefusal {
        if (!regex) {
            if (!ignoreCase) return text -> text.contains(query);
            String lower = query.toLowerCase(java.util.Locale.ROOT);
            return text -> text.toLowerCase(java.util.Locale.ROOT).contains(lower);
        }
        try {
            Pattern pattern = Pattern.compile(query, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
            return text -> pattern.matcher(text).find();
        } catch (PatternSyntaxException e) {
            throw new SandboxRefusal("the query is not a valid regular expression (RE2 syntax)");
        }
    }

    /** Returns false once a cap is reached. */
    private boolean walk(SecureDirectoryStream<Path> directory, WorkspacePath at, int depth) throws SandboxRefusal, IOException {
        List<String> names = new ArrayList<>();
        for (Path child : directory) {
            if (names.size() >= MAX_NAMES_PER_DIRECTORY) {
                stoppedBecause = "a directory holds more than " + MAX_NAMES_PER_DIRECTORY + " entries";
                return false;
            }
            names.add(child.getFileName().toString());
        }
        names.sort(null);
        for (String name : names) {
            if (name.startsWith(WorkspaceFiles.TEMP_PREFIX)) continue;
            if (stop()) return false;
            WorkspacePath path = at.child(name);
            if (matcher.test(name) && !add(new Match(path.toString(), 0, name))) return false;
            PosixFileAttributes attributes = WorkspaceJail.stat(directory, name);
            if (attributes == null) continue;
            if (attributes.isDirectory() && depth < MAX_DEPTH) {
                try (SecureDirectoryStream<Path> sub = WorkspaceJail.descend(directory, name)) {
                    if (!walk(sub, path, depth + 1)) return false;
                } catch (SandboxRefusal replacedMeanwhile) {
                    // not searched
                }
            } else if (attributes.isRegularFile() && attributes.size() <= limits.maxSearchFileBytes()) {
                if (++filesSeen > limits.maxSearchFiles()) {
                    stoppedBecause = "searched the most files one search may (" + limits.maxSearchFiles() + ")";
                    return false;
                }
                if (!searchContent(directory, path, attributes)) return false;
            }
        }
        return true;
    }

    private boolean searchContent(SecureDirectoryStream<Path> directory, WorkspacePath path, PosixFileAttributes expected)
            throws SandboxRefusal, IOException {
        if (jail.linkCount(path, expected.fileKey()) > 1) return true;
        String text;
        try (SeekableByteChannel channel = WorkspaceJail.openForReading(directory, path.leaf())) {
            PosixFileAttributes opened = WorkspaceJail.stat(directory, path.leaf());
            if (opened == null || !Objects.equals(opened.fileKey(), expected.fileKey()) || !opened.isRegularFile()) return true;
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(limits.maxSearchFileBytes(), expected.size()) + 1);
            while (bytes.hasRemaining() && channel.read(bytes) > 0) {
                // fill up to the size checked, plus one byte to notice growth
            }
            bytes.flip();
            if (bytes.remaining() > limits.maxSearchFileBytes()) return true;
            text = textOrNull(bytes);
        } catch (java.nio.file.FileSystemException | SandboxRefusal replacedMeanwhile) {
            return true;
        }
        if (text == null) return true;
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (stop()) return false;
            String bounded = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) : line;
            if (matcher.test(bounded)) {
                String shown = bounded.length() > SHOWN_LINE_CHARS ? bounded.substring(0, SHOWN_LINE_CHARS) + "…" : bounded;
                if (!add(new Match(path.toString(), lineNumber, shown))) return false;
            }
        }
        return true;
    }

    private boolean add(Match match) {
        matches.add(match);
        if (matches.size() >= limits.maxSearchMatches()) {
            stoppedBecause = "reached the most matches one search returns (" + limits.maxSearchMatches() + ")";
            return false;
        }
        return true;
    }

    private boolean stop() {
        if (cancel.isCancelled()) {
            stoppedBecause = "the call was cancelled";
            return true;
        }
        if (System.nanoTime() - deadline > 0) {
            stoppedBecause = "ran out of time (" + limits.searchTimeout().toMillis() + " ms)";
            return true;
        }
        return false;
    }

    /** UTF-8 text without NUL bytes, else null (a binary file is not searched). */
    private static String textOrNull(ByteBuffer bytes) {
        for (int i = bytes.position(); i < bytes.limit(); i++) if (bytes.get(i) == 0) return null;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
