package dev.bastion.web.files;

import dev.bastion.api.Access;
import dev.bastion.api.ApiException;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Principal;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Uploads over HTTP under {@code /web/api/files}: upload (multipart, field {@code file}, repeated), list, download, delete,
 * each caller seeing only their own. Downloads are always attachments with {@code nosniff}, as {@code text/plain} or
 * {@code application/octet-stream}, so a browser never runs or renders what a user uploaded as a page of ours.
 */
public final class FilesModule implements ServerModule {

    public static final String PATH = "/web/api/files";
    /** Multipart framing around the files: headers, boundaries. */
    private static final long FORM_OVERHEAD = 64 * 1024;

    private final Uploads uploads;
    private final AuditLog audit;

    /** @param audit where uploads and deletions are recorded (refusals too, with their status) */
    public FilesModule(Uploads uploads, AuditLog audit) {
        this.uploads = uploads;
        this.audit = audit;
    }

    @Override
    public void register(JavalinConfig config) {
        // Jetty's multipart parser enforces the request cap too, also when no Content-Length was sent.
        config.jetty.multipartConfig.maxTotalRequestSize(maxRequestBytes(), SizeUnit.BYTES);
        config.routes.post(PATH, this::upload, Access.MODELS_USE);
        config.routes.get(PATH, this::list, Access.MODELS_USE);
        config.routes.get(PATH + "/{id}", this::download, Access.MODELS_USE);
        config.routes.delete(PATH + "/{id}", this::delete, Access.MODELS_USE);
    }

    private long maxRequestBytes() {
        return uploads.limits().maxFileBytes() * uploads.limits().maxFilesPerRequest() + FORM_OVERHEAD;
    }

    private void upload(Context ctx) {
        try {
            receive(ctx);
        } catch (ApiException e) {
            record(ctx, "web.file.upload", null, "denied", Map.of("status", Integer.toString(e.status())));
            throw e;
        }
    }

    private void receive(Context ctx) {
        Principal user = caller(ctx);
        if (ctx.req().getContentLengthLong() > maxRequestBytes()) {
            throw new ApiException(413, "the upload is larger than the limit of " + maxRequestBytes() + " bytes", "file");
        }
        if (!ctx.isMultipartFormData()) throw ApiException.badRequest("send the files as multipart/form-data, field 'file'", "file");
        List<UploadedFile> parts;
        try {
            parts = ctx.uploadedFiles("file");
        } catch (Exception e) { // Jetty's ServletException, thrown through Kotlin unchecked
            if (overLimit(e)) throw new ApiException(413, "the upload is larger than the limit of " + maxRequestBytes() + " bytes", "file");
            throw ApiException.badRequest("the upload is not well-formed multipart/form-data", "file");
        }
        if (parts.isEmpty()) throw ApiException.badRequest("no file in the upload (field 'file')", "file");
        if (parts.size() > uploads.limits().maxFilesPerRequest()) {
            throw ApiException.badRequest("at most " + uploads.limits().maxFilesPerRequest() + " files per upload", "file");
        }
        List<Map<String, Object>> stored = new ArrayList<>();
        for (UploadedFile part : parts) {
            if (part.size() > uploads.limits().maxFileBytes()) {
                throw new ApiException(413, "the file is larger than the limit of " + uploads.limits().maxFileBytes() + " bytes", "file");
            }
            StoredFile file = uploads.upload(user, part.filename(), bytes(part));
            record(ctx, "web.file.upload", file.id(), "success", Map.of("size", Long.toString(file.size()), "type", file.mediaType()));
            stored.add(view(file));
        }
        ctx.status(201).json(Map.of("files", stored));
    }

    private void list(Context ctx) {
        ctx.json(Map.of("files", uploads.list(caller(ctx)).stream().map(FilesModule::view).toList()));
    }

    private void download(Context ctx) {
        Uploads.Download d = uploads.download(caller(ctx), ctx.pathParam("id"));
        ctx.header("Content-Disposition", disposition(d.file().name()));
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(d.text() ? "text/plain; charset=utf-8" : "application/octet-stream").result(d.content());
    }

    private void delete(Context ctx) {
        uploads.delete(caller(ctx), ctx.pathParam("id"));
        record(ctx, "web.file.delete", ctx.pathParam("id"), "success", Map.of());
        ctx.status(204);
    }

    /** File names stay out of the audit log (a hostile one is the client's text); the random id names the file. */
    private void record(Context ctx, String action, String target, String outcome, Map<String, String> details) {
        audit.append(new AuditEvent(RequestContext.requestId(ctx), RequestContext.principalName(ctx), action, target, outcome, details));
    }

    /** Jetty's multipart parser reports a request over its caps as an IllegalStateException somewhere in the causes. */
    private static boolean overLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof IllegalStateException) return true;
        return false;
    }

    /** {@code attachment} with an ASCII fallback name and the exact one (RFC 6266, RFC 8187). */
    static String disposition(String name) {
        StringBuilder ascii = new StringBuilder();
        name.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? (char) c : '_'));
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static Map<String, Object> view(StoredFile f) {
        return Map.of("id", f.id(), "name", f.name(), "media_type", f.mediaType(), "size", f.size(),
                "created_at", f.createdAt().toString());
    }

    private static byte[] bytes(UploadedFile part) {
        try (InputStream in = part.content()) {
            return in.readNBytes(Math.toIntExact(part.size()) + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("the upload could not be read", "file");
        }
    }

    private static Principal caller(Context ctx) {
        return RequestContext.principal(ctx).orElseThrow(() -> new ApiException(401, "authentication required", null));
    }
}
