package dev.bastion.web.admin;

import dev.bastion.api.ServerModule;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.web.WebSessionsModule;
import dev.bastion.web.pages.Pages;
import io.javalin.config.JavalinConfig;

import java.util.List;
import java.util.Map;

/**
 * The admin console's pages under {@code /admin/} (role admin; the landing page {@code /admin} is the skeleton's) and
 * the one admin route that lives in this module, password resets. The pages only render their frame: a small script
 * per page reads the admin JSON API and posts JSON to it with the session's CSRF token, so every change goes through
 * the same audited route an API client would call.
 */
public final class AdminConsoleModule implements ServerModule {

    /** The console's sections, in the order of its navigation: path, title, what it is for. */
    public record Section(String path, String title, String summary) {
    }

    public static final List<Section> SECTIONS = List.of(
            new Section("/admin/users", "Users", "Create, disable and enable users, change roles, reset passwords"),
            new Section("/admin/keys", "API keys", "Create keys (the secret is shown once), list and revoke them"),
            new Section("/admin/models", "Models", "Every namespace's models: details, delete, import from the server"),
            new Section("/admin/running", "Running", "Models loaded in memory, and unloading them"),
            new Section("/admin/audit", "Audit log", "The hash-chained log, filtered and paged, and its verification"),
            new Section("/admin/credits", "Credits", "Balances, grants and usage"));

    private final SecurityServices security;
    private final WebSessionsModule sessions;
    private final Pages pages;

    public AdminConsoleModule(SecurityServices security, WebSessionsModule sessions) {
        this.security = security;
        this.sessions = sessions;
        this.pages = new Pages(sessions);
    }

    @Override
    public void register(JavalinConfig config) {
        new PasswordResetRoutes(security, sessions.passwords()).register(config);
        for (Section section : SECTIONS) {
            String template = "admin" + section.path().substring("/admin".length()) + ".jte";
            pages.get(config, section.path(), Role.ADMIN, (ctx, viewer) -> Pages.render(ctx, viewer, template,
                    Map.of("section", section, "scopes", scopeIds())));
        }
    }

    /** The scopes a key may be given, for the key form's checkboxes (modules define theirs at start). */
    private static List<String> scopeIds() {
        return Scope.known().stream().map(Scope::id).sorted().toList();
    }
}
