package dev.bastion.api.security;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bastion.security.AuditLog;
import dev.bastion.security.AuditQuery;
import dev.bastion.security.SecurityServices;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The audit log's admin views: a filtered page ({@code GET /api/admin/audit}) and the chain check's answer. */
final class AuditRoutes {

    static final int DEFAULT_LIMIT = 50;
    private static final int MAX_FILTER_CHARS = 100;

    private AuditRoutes() {
    }

    record RecordView(long seq, String time, @JsonProperty("request_id") String requestId, String actor, String action,
                      String target, String outcome, Map<String, String> details) {
        static RecordView of(AuditQuery.Record r) {
            return new RecordView(r.seq(), r.time(), r.requestId(), r.actor(), r.action(), r.target(), r.outcome(),
                    r.details());
        }
    }

    /** @param nextBefore the {@code before} of the next, older page; null on the last page */
    record PageView(List<RecordView> records, @JsonProperty("next_before") Long nextBefore) {
    }

    record VerificationView(boolean ok, long records, @JsonProperty("bad_line") Long badLine,
                            @JsonProperty("bad_seq") Long badSeq, String problem) {
    }

    /** {@code ?user=&action=&outcome=&before=&limit=}, each optional; anything malformed is a 400. */
    static PageView page(SecurityServices security, Context ctx) {
        AuditQuery.Filter filter;
        try {
            filter = new AuditQuery.Filter(text(ctx, "user"), text(ctx, "action"), text(ctx, "outcome"),
                    number(ctx, "before"), number(ctx, "limit") == null ? DEFAULT_LIMIT : clampInt(number(ctx, "limit")));
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        AuditQuery.Page page = AuditQuery.page(security.audit().file(), filter);
        return new PageView(page.records().stream().map(RecordView::of).toList(), page.nextBefore());
    }

    static VerificationView verification(AuditLog.VerificationResult r, Path file) {
        String problem = r.problem() == null ? null
                : r.problem().replace(file.toAbsolutePath().toString(), AuditLog.FILE_NAME)
                .replace(file.toString(), AuditLog.FILE_NAME);
        return new VerificationView(r.ok(), r.records(), r.badLine() == 0 ? null : r.badLine(), r.badSeq(), problem);
    }

    private static String text(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) return null;
        if (value.length() > MAX_FILTER_CHARS || value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("'" + name + "' must be at most " + MAX_FILTER_CHARS
                    + " characters without control characters");
        }
        return value;
    }

    private static Long number(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) return null;
        if (!value.matches("[0-9]{1,18}")) throw new IllegalArgumentException("'" + name + "' must be a positive integer");
        return Long.parseLong(value);
    }

    private static int clampInt(long value) {
        return value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
    }
}
