package dev.bastion.web.pages;

import io.javalin.http.Context;

/** Renders one page for a viewer who has already been let in. */
@FunctionalInterface
public interface PageHandler {
    void handle(Context ctx, Viewer viewer) throws Exception;
}
