package dev.bastion.web.browser;

import dev.bastion.web.SecurityHeaders;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The pages' frame: who may see which page, the layout, static files and their headers, in a real browser. */
class WebSkeletonBrowserTest extends BrowserTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void pagesRedirectToSignInWithoutASessionAndCarryTheContentSecurityPolicy() throws Exception {
        for (String page : new String[]{"/", "/c/some-id", "/admin"}) {  // as a browser asks: Accept: text/html
            HttpResponse<String> response = get(page, "text/html,application/xhtml+xml");
            assertThat(response.statusCode()).as(page).isEqualTo(302);
            assertThat(response.headers().firstValue("Location")).as(page).contains("/sign-in");
        }
        assertThat(get("/", "*/*").body()).as("Ollama's probe of /").isEqualTo("Bastion is running");
        HttpResponse<String> signIn = get("/sign-in");
        assertThat(signIn.statusCode()).isEqualTo(200);
        assertThat(signIn.headers().firstValue("Content-Security-Policy")).contains(SecurityHeaders.CONTENT_SECURITY_POLICY);
        assertThat(SecurityHeaders.CONTENT_SECURITY_POLICY).contains("script-src 'self'", "style-src 'self'",
                "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'").doesNotContain("unsafe");
        assertThat(signIn.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(signIn.body()).doesNotContain("<script>").doesNotContain(" on").contains("name=\"htmx-config\"");
    }

    @Test
    void staticFilesAndWebJarsHaveTheirTypesLongCachingAndNoSniffing() throws Exception {
        HttpResponse<String> js = get("/static/csrf.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(js.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=");
        assertThat(js.body()).contains("X-CSRF-Token");
        HttpResponse<String> css = get("/static/app.css");
        assertThat(css.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
        HttpResponse<String> htmx = get(dev.bastion.web.pages.WebJars.HTMX);
        assertThat(htmx.statusCode()).isEqualTo(200);
        assertThat(htmx.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(htmx.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age=31536000");
        HttpResponse<String> module = get(dev.bastion.web.pages.WebJars.DOMPURIFY);
        assertThat(module.headers().firstValue("Content-Type").orElseThrow()).as(".mjs").startsWith("text/javascript");
        assertThat(get("/static/missing.js").statusCode()).isIn(401, 404);
        // Nothing outside the two directories: not the classes, not the templates, not the migrations.
        for (String probe : new String[]{"/static/../db/migration/web/V30__web_sessions.sql", "/static/%2e%2e/logback-test.xml",
                "/webjars/../../META-INF/MANIFEST.MF", "/static/..%2f..%2fdev/bastion/web/Sessions.class"}) {
            HttpResponse<String> response = get(probe);
            assertThat(response.statusCode()).as(probe).isNotEqualTo(200);
            assertThat(response.body()).as(probe).doesNotContain("CREATE TABLE").doesNotContain("Manifest-Version");
        }
    }

    @Test
    void aUserSeesTheLayoutWithoutTheAdminLinkAndGetsTheForbiddenPageForAdmin() throws Exception {
        browser.go("/sign-in");
        browser.waitFor("#sign-in-form");
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core on /sign-in").isEmpty();
        browser.signIn(ALICE, PASSWORD);
        assertThat(browser.find("#who-user").getText()).isEqualTo(ALICE);
        assertThat(browser.find("header.top").getText()).contains("user").doesNotContain("Admin");
        assertThat(browser.find("meta[name=csrf-token]").getAttribute("content")).hasSizeGreaterThan(20);
        browser.go("/admin");
        assertThat(browser.find("h1").getText()).isEqualTo("Forbidden");
        browser.assertCleanConsole("/admin - Failed to load resource: the server responded with a status of 403");
    }

    @Test
    void htmxRequestsCarryTheCsrfToken() throws Exception {
        String id = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD).conversation("Deleted by htmx", null);
        browser.signIn(ALICE, PASSWORD);
        browser.waiting(java.time.Duration.ofSeconds(10)).until(d -> (Boolean) browser.script("return !!window.htmx"));
        Object status = browser.asyncScript("const done = arguments[arguments.length - 1];"
                + "document.body.addEventListener('htmx:afterRequest', e => done(e.detail.xhr.status), {once: true});"
                + "htmx.ajax('DELETE', '/web/api/conversations/' + arguments[0], {target: 'body', swap: 'none'});", id);
        assertThat(status).isEqualTo(204L);
        assertThat(ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD).send("GET", "/web/api/conversations/" + id, null)
                .statusCode()).isEqualTo(404);
        browser.assertCleanConsole();
    }

    @Test
    void anAdminSeesTheAdminLinkAndPage() {
        browser.signIn(ROOT, PASSWORD);
        browser.find("header.top nav a[href='/admin']").click();
        browser.waiting(java.time.Duration.ofSeconds(10)).until(d -> "/admin".equals(browser.path()));
        assertThat(browser.find("h1").getText()).isEqualTo("Admin");
        browser.assertCleanConsole();
    }

    @Test
    void signingOutEndsTheSessionAndReturnsToSignIn() {
        browser.signIn(ALICE, PASSWORD);
        browser.find("#sign-out").click();
        browser.waiting(java.time.Duration.ofSeconds(10)).until(d -> "/sign-in".equals(browser.path()));
        browser.go("/");
        assertThat(browser.path()).isEqualTo("/sign-in");
        browser.assertCleanConsole();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(path, "*/*");
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Accept", accept).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
