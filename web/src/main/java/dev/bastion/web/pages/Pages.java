package dev.bastion.web.pages;

import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.web.SecurityHeaders;
import dev.bastion.web.WebSessionsModule;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The page-route pattern: each page declares the role it needs where it is registered,
 * {@code pages.get(config, "/admin/users", Role.ADMIN, this::users)}. A page request without a live session is sent
 * to {@code /sign-in}; a signed-in user without the role gets the 403 page. Pages only render: every change they make
 * is a script or htmx call to the audited JSON API, so the security chain sees them as open routes and the session is
 * looked up here (API keys do not open pages: a browser signs in).
 */
public final class Pages {

    public static final String SIGN_IN = "/sign-in";
    public static final String ACCOUNT = "/account";

    private final WebSessionsModule sessions;

    public Pages(WebSessionsModule sessions) {
        this.sessions = sessions;
    }

    /** Registers a GET page at {@code path} for users with {@code role} (USER: anyone signed in). */
    public void get(JavalinConfig config, String path, Role role, PageHandler handler) {
        config.routes.get(path, ctx -> serve(ctx, role, handler), Access.OPEN);
    }

    /** Who is looking, if anyone is signed in. */
    public Optional<Viewer> viewer(Context ctx) {
        Optional<Principal> operator = RequestContext.principal(ctx).filter(p -> p == Principal.LOCAL_OPERATOR);
        if (operator.isPresent()) return Optional.of(new Viewer(operator.get().userName(), operator.get().role(), ""));
        return sessions.session(ctx).map(s -> new Viewer(s.userName(), s.role(), sessions.csrfToken(ctx).orElse("")));
    }

    /** Renders a template inside the layout; {@code params} gets {@code viewer} added. */
    public static void render(Context ctx, Viewer viewer, String template, Map<String, Object> params) {
        Map<String, Object> all = new LinkedHashMap<>(params);
        all.put("viewer", viewer);
        Templates.render(ctx, template, all);
    }

    /** Lets the viewer in (or redirects, or answers 403) and renders the page. */
    void serve(Context ctx, Role role, PageHandler handler) throws Exception {
        SecurityHeaders.apply(ctx);
        Optional<Viewer> viewer = viewer(ctx);
        if (viewer.isEmpty()) {
            ctx.redirect(SIGN_IN);
            return;
        }
        // A role that must use two-factor sign-in, not yet enrolled: the API refuses all but the account, so do pages.
        if (!ctx.path().equals(ACCOUNT) && sessions.mustEnrolSecondFactor(ctx)) {
            ctx.redirect(ACCOUNT);
            return;
        }
        if (role == Role.ADMIN && !viewer.get().admin()) {
            ctx.status(403);
            render(ctx, viewer.get(), "error.jte", Map.of("title", "Forbidden",
                    "message", "This page is for administrators."));
            return;
        }
        handler.handle(ctx, viewer.get());
    }
}
