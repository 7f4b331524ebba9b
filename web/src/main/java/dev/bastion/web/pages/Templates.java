package dev.bastion.web.pages;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;

import java.util.Map;

/** The JTE templates of {@code src/main/jte}, compiled to classes at build time: nothing is compiled at run time. */
public final class Templates {

    private static final TemplateEngine ENGINE = TemplateEngine.createPrecompiled(ContentType.Html);

    private Templates() {
    }

    /** Renders {@code name} (e.g. {@code "chat.jte"}) with {@code params} as the response's HTML. */
    public static void render(Context ctx, String name, Map<String, Object> params) {
        StringOutput out = new StringOutput();
        ENGINE.render(name, params, out);
        ctx.contentType("text/html; charset=utf-8").result(out.toString());
    }
}
