package dev.bastion.web.files;

import dev.bastion.api.ApiException;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.builtin.FilesLimits;
import dev.bastion.mcp.builtin.SandboxRefusal;
import dev.bastion.mcp.builtin.WorkspaceFiles;
import dev.bastion.mcp.builtin.WorkspacePath;
import dev.bastion.security.Principal;
import dev.bastion.security.db.Database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Files a user uploads, kept in their workspace ({@code BASTION_HOME/workspaces/<user>}, the MCP files tool's) through
 * the files tool's {@link WorkspaceFiles}: links never followed, written owner-only (0600, no execute bit) to a
 * temporary file then moved into place, under the workspace quota, which one lock per workspace makes race-free. An
 * upload never replaces a file: a taken name becomes {@code name (2).ext}. Ids are random; another user's id is unknown.
 */
public final class Uploads {

    /**
     * @param maxFileBytes the largest file
     * @param maxFilesPerRequest files one upload request (and one chat turn's attachments) may hold
     * @param quotaBytes what a workspace may hold in all (uploads and the files tool's writes)
     * @param maxAttachedChars characters of attached text one chat turn carries; the rest is cut
     */
    public record Limits(long maxFileBytes, int maxFilesPerRequest, long quotaBytes, int maxAttachedChars) {
        public static final Limits DEFAULTS = new Limits(8L << 20, 10, FilesLimits.DEFAULTS.quotaBytes(), 64 * 1024);

        /** The defaults with the files tool's quota ({@code BASTION_FILES_QUOTA}): one workspace, one quota. */
        public static Limits fromEnvironment(Map<String, String> env) {
            return new Limits(DEFAULTS.maxFileBytes, DEFAULTS.maxFilesPerRequest, FilesLimits.fromEnvironment(env).quotaBytes(),
                    DEFAULTS.maxAttachedChars);
        }
    }

    /** A file's bytes for a download, and whether they are UTF-8 text (the only type ever served as what it is). */
    public record Download(StoredFile file, byte[] content, boolean text) {}

    private static final int MAX_NAME_TRIES = 100;

    private final Workspaces workspaces;
    private final FileStore store;
    private final Limits limits;
    private final Clock clock;

    public Uploads(Database database, Path home, Limits limits, Clock clock) {
        this.workspaces = new Workspaces(home);
        this.store = new FileStore(database);
        this.limits = limits;
        this.clock = clock;
    }

    /** Uploads into the workspaces under the security home, limits from the environment. */
    public static Uploads open(dev.bastion.security.SecurityServices security, Map<String, String> env) {
        return new Uploads(security.database(), security.home(), Limits.fromEnvironment(env), Clock.systemUTC());
    }

    public Limits limits() {
        return limits;
    }

    public StoredFile upload(Principal user, String rawName, byte[] content) {
        if (content.length == 0) throw ApiException.badRequest("the file is empty", "file");
        if (content.length > limits.maxFileBytes) throw tooLarge();
        String name = FileNames.check(rawName);
        FileTypes type = FileTypes.detect(content);
        WorkspaceFiles files = files(user);
        try {
            for (int n = 1; n <= MAX_NAME_TRIES; n++) {
                String candidate = n == 1 ? name : FileNames.check(FileNames.numbered(name, n));
                if (files.create(WorkspacePath.parse(candidate), content)) {
                    StoredFile stored = new StoredFile(UUID.randomUUID().toString(), candidate, type.mediaType,
                            content.length, clock.instant());
                    try {
                        store.add(user.userId(), stored);
                    } catch (RuntimeException e) {
                        files.delete(WorkspacePath.parse(candidate));
                        throw e;
                    }
                    return stored;
                }
            }
        } catch (SandboxRefusal refusal) {
            if (refusal.getMessage().contains("quota")) {
                throw new ApiException(413, "the upload would exceed your workspace quota of " + limits.quotaBytes + " bytes", "file");
            }
            throw ApiException.badRequest(refusal.getMessage(), "file");
        } catch (IOException e) {
            throw new UncheckedIOException("upload failed", e);
        }
        throw new ApiException(409, "too many files are already named like this one", "file");
    }

    public List<StoredFile> list(Principal user) {
        return store.list(user.userId());
    }

    public Download download(Principal user, String id) {
        StoredFile file = owned(user, id);
        byte[] content = read(user, file);
        return new Download(file, content, FileTypes.utf8(content) != null);
    }

    public void delete(Principal user, String id) {
        StoredFile file = owned(user, id);
        try {
            files(user).delete(WorkspacePath.parse(file.name()));
        } catch (SandboxRefusal gone) {
            // already removed from the workspace (e.g. by the files tool): the record goes all the same
        } catch (IOException e) {
            throw new UncheckedIOException("delete failed", e);
        }
        store.delete(user.userId(), id);
    }

    /**
     * The text of the files {@code ids} for a chat message, each between markers naming it, at most
     * {@link Limits#maxAttachedChars} characters in all: past that the text is cut and a note says so.
     */
    public String attachmentText(Principal user, List<String> ids) {
        if (ids.size() > limits.maxFilesPerRequest) {
            throw ApiException.badRequest("at most " + limits.maxFilesPerRequest + " attachments per message", "attachments");
        }
        StringBuilder out = new StringBuilder();
        int room = limits.maxAttachedChars;
        for (String id : new LinkedHashSet<>(ids)) {
            StoredFile file = owned(user, id);
            byte[] content = read(user, file);
            FileTypes type = content.length >= 5 && new String(content, 0, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("%PDF-")
                    ? FileTypes.PDF : FileTypes.TEXT;
            String text = type.text(content);
            if (text == null) throw new ApiException(415, "the attachment " + file.name() + " is no longer text or a readable PDF", "attachments");
            String head = "[Attached file: " + file.name() + "]\n";
            String tail = "\n[End of " + file.name() + "]\n\n";
            String body = text.length() > Math.max(0, room) ? text.substring(0, Math.max(0, room)) : text;
            out.append(head).append(body);
            if (body.length() < text.length()) {
                out.append("\n[... the rest was cut: at most ").append(limits.maxAttachedChars)
                        .append(" characters of attached text per message]").append(tail);
                break;
            }
            out.append(tail);
            room -= text.length();
        }
        return out.toString().stripTrailing();
    }

    private StoredFile owned(Principal user, String id) {
        if (id == null || id.length() > 64) throw missing();
        return store.get(user.userId(), id).orElseThrow(Uploads::missing);
    }

    private byte[] read(Principal user, StoredFile file) {
        try {
            return files(user).read(WorkspacePath.parse(file.name()));
        } catch (SandboxRefusal gone) {
            throw missing(); // removed or replaced by something that is not a plain file since the upload
        } catch (IOException e) {
            throw new UncheckedIOException("read failed", e);
        }
    }

    private WorkspaceFiles files(Principal user) {
        Path workspace = workspaces.of(user.userName());
        long max = limits.maxFileBytes;
        FilesLimits d = FilesLimits.DEFAULTS;
        return new WorkspaceFiles(workspace, new FilesLimits(max, max, limits.quotaBytes, d.maxListEntries(),
                d.maxSearchMatches(), d.maxSearchFiles(), d.maxSearchFileBytes(), d.searchTimeout()));
    }

    static ApiException missing() {
        return ApiException.notFound("file not found");
    }

    private ApiException tooLarge() {
        return new ApiException(413, "the file is larger than the limit of " + limits.maxFileBytes + " bytes", "file");
    }
}
