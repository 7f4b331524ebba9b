package dev.bastion.web.pages;

import dev.bastion.api.Access;
import dev.bastion.api.ServerModule;
import dev.bastion.security.Role;
import dev.bastion.web.SecurityHeaders;
import dev.bastion.web.WebSessionsModule;
import io.javalin.config.JavalinConfig;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;

import java.util.Map;
import java.util.Set;

/**
 * The web app's pages at {@code /}: sign-in, chat and the admin landing page, with their scripts and styles under
 * {@code /static/} and the pinned browser libraries under {@code /webjars/}, both from the jar.
 */
public final class WebPagesModule implements ServerModule {

    /** WebJar paths carry their version, so they never change: cached for a year. */
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    /** The app's own files keep their names across releases: cached for a day, then fetched again. */
    private static final String DAY = "public, max-age=86400";

    private final Pages pages;
    private final WebSessionsModule sessions;

    public WebPagesModule(WebSessionsModule sessions) {
        this.pages = new Pages(sessions);
        this.sessions = sessions;
    }

    public Pages pages() {
        return pages;
    }

    @Override
    public void register(JavalinConfig config) {
        staticFiles(config, "/static", "web/static", DAY);
        staticFiles(config, "/webjars", "META-INF/resources/webjars", IMMUTABLE);
        config.routes.get(Pages.SIGN_IN, ctx -> {
            SecurityHeaders.apply(ctx);
            if (pages.viewer(ctx).isPresent()) {
                ctx.redirect("/");
                return;
            }
            Templates.render(ctx, "signin/page.jte", Map.of());
        }, Access.OPEN);
        // "/" also answers Ollama's "is it running" probe: browsers (Accept: text/html) get the chat page instead.
        config.routes.before("/", ctx -> {
            String accept = ctx.header("Accept");
            if (ctx.method() == HandlerType.GET && accept != null && accept.contains("text/html")) {
                pages.serve(ctx, Role.USER, (c, viewer) -> ChatPage.render(c, viewer, null));
                ctx.skipRemainingHandlers();
            }
        });
        pages.get(config, "/c/{id}", Role.USER, (ctx, viewer) -> ChatPage.render(ctx, viewer, ctx.pathParam("id")));
        pages.get(config, Pages.ACCOUNT, Role.USER, new AccountPage(sessions)::render);
        pages.get(config, "/admin", Role.ADMIN, (ctx, viewer) -> Pages.render(ctx, viewer, "admin/index.jte", Map.of()));
    }

    /** Files anyone may fetch (no secrets in them), with an explicit type for ES modules. */
    private static void staticFiles(JavalinConfig config, String hostedPath, String directory, String cacheControl) {
        config.staticFiles.add(files -> {
            files.hostedPath = hostedPath;
            files.directory = directory;
            files.location = Location.CLASSPATH;
            files.roles = Set.of(Access.OPEN);
            files.headers = Map.of("Cache-Control", cacheControl, "X-Content-Type-Options", "nosniff");
            files.mimeTypes.add("text/javascript; charset=utf-8", "js", "mjs");
            files.mimeTypes.add("text/css; charset=utf-8", "css");
            files.mimeTypes.add("image/svg+xml", "svg");
        });
    }
}
