package dev.bastion.web.pages;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Paths of the browser libraries the pom pins, served from their WebJars under {@code /webjars/}: the version is
 * read from the jar itself, so the pom is the one place it is written.
 */
public final class WebJars {

    public static final String HTMX = path("org.webjars.npm", "htmx.org", "dist/htmx.min.js");
    public static final String MARKED = path("org.webjars.npm", "marked", "lib/marked.esm.js");
    public static final String DOMPURIFY = path("org.webjars.npm", "dompurify", "dist/purify.es.mjs");
    public static final String HIGHLIGHT = path("org.webjars", "highlightjs", "highlight.min.js");
    public static final String HIGHLIGHT_STYLE = path("org.webjars", "highlightjs", "styles/github.min.css");

    private WebJars() {
    }

    static String path(String group, String artifact, String file) {
        String properties = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = WebJars.class.getResourceAsStream(properties)) {
            if (in == null) throw new IllegalStateException("WebJar " + artifact + " is not on the classpath");
            Properties pom = new Properties();
            pom.load(in);
            return "/webjars/" + artifact + "/" + pom.getProperty("version") + "/" + file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
