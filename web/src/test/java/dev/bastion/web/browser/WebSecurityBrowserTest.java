package dev.bastion.web.browser;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.bastion.web.SecurityHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Cookie;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The web app's security in a real browser: XSS, CSRF, session fixation, cookies, sign-out, CSP on every page. */
class WebSecurityBrowserTest extends BrowserTest {

    /** Each would set window.__xss if any of it ran. */
    static final List<String> XSS_CORPUS = List.of(
            "<script>window.__xss=1</script>",
            "<img src=x onerror=window.__xss=1>",
            "[a](javascript:window.__xss=1)",
            "[b](JaVaScRiPt:window.__xss=1)",
            "<a href=\"javascript:window.__xss=1\">c</a>",
            "<svg onload=window.__xss=1><circle r=5 /></svg>",
            "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
            "![pic](x\" onerror=\"window.__xss=1)",
            "<details open ontoggle=window.__xss=1>d</details>",
            "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1></style></mglyph></table></mtext></math>",
            "[e](data:text/html,<script>window.__xss=1</script>)",
            "```html\n<script>window.__xss=1</script>\n```");

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameGenericError() throws Exception {
        browser.submitSignIn(ALICE, "not alice's password");
        browser.waiting(Duration.ofSeconds(10)).until(d -> !browser.find("#sign-in-error").getText().isEmpty());
        String wrong = browser.find("#sign-in-error").getText();
        assertThat(wrong).isEqualTo("Wrong user name or password.");
        assertThat(browser.path()).isEqualTo("/sign-in");
        assertThat(browser.driver().manage().getCookies()).isEmpty();
        browser.submitSignIn("nobody-by-this-name", "whatever it is");
        browser.waiting(Duration.ofSeconds(10)).until(d -> !browser.find("#sign-in-error").getText().isEmpty());
        assertThat(browser.find("#sign-in-error").getText()).isEqualTo(wrong);
        browser.screenshot("sign-in");
        browser.assertCleanConsole("/web/api/sign-in - Failed to load resource: the server responded with a status of 401");
    }

    @Test
    void hostileModelOutputRendersInert() throws Exception {
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        ArrayNode messages = ApiClient.JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", "<script>window.__xss=1</script> from the user");
        for (String attack : XSS_CORPUS) messages.addObject().put("role", "assistant").put("content",
                attack.startsWith("```") ? attack : "Inline " + attack + " and as a block:\n\n" + attack + "\n");
        var withTool = messages.addObject().put("role", "assistant").put("content", "");
        withTool.putArray("tool_calls").addObject().putObject("function")
                .put("name", "<img src=x onerror=window.__xss=1>").putObject("arguments").put("q", "<script>window.__xss=1</script>");
        messages.addObject().put("role", "tool").put("content", "<img src=x onerror=window.__xss=1>");
        String id = alice.conversation("Hostile output", messages.toString());

        browser.signIn(ALICE, PASSWORD);
        browser.go("/c/" + id);
        browser.waiting(Duration.ofSeconds(20)).until(d -> "true".equals(browser.find("#chat").getAttribute("data-ready")));
        Thread.sleep(500); // give anything that would run (onerror, ontoggle, onload) time to run
        assertThat(browser.script("return typeof window.__xss")).isEqualTo("undefined");
        assertThat(browser.findAll("#messages li.assistant")).hasSize(XSS_CORPUS.size() + 1);
        assertThat(browser.findAll("#messages script, #messages img, #messages iframe, #messages svg, #messages math, "
                + "#messages style, #messages [onerror], #messages [onload], #messages [ontoggle], #messages [srcdoc]")).isEmpty();
        assertThat(browser.findAll("#messages a")).allSatisfy(a -> {
            String href = a.getAttribute("href"); // a refused URL leaves the link without one
            if (href != null) assertThat(href).doesNotStartWithIgnoringCase("javascript:").doesNotStartWithIgnoringCase("data:");
            assertThat(a.getAttribute("rel")).isEqualTo("noopener noreferrer");
        });
        // Raw HTML in a reply is shown as text, the code block highlighted as code.
        assertThat(browser.find("#messages").getText()).contains("<script>window.__xss=1</script>");
        assertThat(browser.findAll("#messages pre code.hljs")).isNotEmpty();
        assertThat(browser.find("#messages li.user .message-body").getText()).isEqualTo("<script>window.__xss=1</script> from the user");
        assertThat(browser.find("#messages details.tool-call summary").getText()).isEqualTo("Tool call: <img src=x onerror=window.__xss=1>");
        assertThat(browser.find("#messages details.tool-result summary").getText()).isEqualTo("Tool result");
        browser.assertCleanConsole();
    }

    @Test
    void hostileConversationTitlesRenderInert() throws Exception {
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        String img = alice.conversation("<img src=x onerror=window.__xss=1>", null);
        alice.conversation("<script>window.__xss=1</script>", null);
        alice.conversation("<svg onload=window.__xss=1>", null);
        browser.signIn(ALICE, PASSWORD);
        browser.go("/c/" + img);
        browser.waiting(Duration.ofSeconds(20)).until(d -> "true".equals(browser.find("#chat").getAttribute("data-ready")));
        Thread.sleep(500);
        assertThat(browser.script("return typeof window.__xss")).isEqualTo("undefined");
        assertThat(browser.find("#conversation-title").getText()).isEqualTo("<img src=x onerror=window.__xss=1>");
        assertThat(browser.find("#conversation-list").getText()).contains("<img src=x onerror=window.__xss=1>",
                "<script>window.__xss=1</script>", "<svg onload=window.__xss=1>");
        assertThat(browser.findAll("#conversation-list img, #conversation-list script, #conversation-list svg")).isEmpty();
        assertThat(browser.find("title").getAttribute("textContent")).isEqualTo("Chat · Bastion");
        browser.assertCleanConsole();
    }

    @Test
    void aStateChangeWithoutTheCsrfTokenIsRefusedFromThePage() {
        browser.signIn(ALICE, PASSWORD);
        String fetch = "const done = arguments[arguments.length - 1];"
                + "fetch('/web/api/conversations', {method: 'POST', headers: arguments[0], body: '{\"title\":\"csrf probe\"}'})"
                + ".then(r => done(r.status), e => done(String(e)));";
        Object without = browser.asyncScript(fetch, Map.of("Content-Type", "application/json"));
        Object wrong = browser.asyncScript(fetch, Map.of("Content-Type", "application/json", "X-CSRF-Token", "forged-token"));
        String token = browser.find("meta[name=csrf-token]").getAttribute("content");
        Object with = browser.asyncScript(fetch, Map.of("Content-Type", "application/json", "X-CSRF-Token", token));
        assertThat(without).isEqualTo(403L);
        assertThat(wrong).isEqualTo(403L);
        assertThat(with).isEqualTo(201L);
        browser.assertCleanConsole("/web/api/conversations - Failed to load resource: the server responded with a status of 403");
    }

    @Test
    void signInRotatesThePlantedSessionIdAndTheCookieIsHttpOnlyAndStrict() throws Exception {
        browser.go("/sign-in");
        String planted = "A".repeat(43);
        browser.driver().manage().addCookie(new Cookie.Builder("bastion_session", planted).path("/").build());
        browser.signIn(ALICE, PASSWORD);
        Cookie session = browser.sessionCookie("bastion_session");
        assertThat(session.getValue()).isNotEqualTo(planted).hasSize(43);
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(session.getPath()).isEqualTo("/");
        assertThat(session.isSecure()).as("plain HTTP without BASTION_COOKIE_SECURE").isFalse();
        assertThat((String) browser.script("return document.cookie")).doesNotContain(session.getValue());
        assertThat(ApiClient.send(server.baseUrl(), "bastion_session=" + planted, null, "GET", "/web/api/me", null)
                .statusCode()).isEqualTo(401);
        assertThat(ApiClient.send(server.baseUrl(), "bastion_session=" + session.getValue(), null, "GET", "/web/api/me", null)
                .statusCode()).isEqualTo(200);
        browser.assertCleanConsole();
    }

    @Test
    void behindATlsProxyTheCookieIsSecureWithTheHostPrefix(@TempDir Path secureHome) throws Exception {
        try (WebTestServer secure = WebTestServer.start(secureHome, Map.of("BASTION_CREDITS", "off",
                "BASTION_COOKIE_SECURE", "true"))) {
            HttpResponse<String> signIn = ApiClient.send(secure.baseUrl(), null, null, "POST", "/web/api/sign-in",
                    "{\"user\":\"alice\",\"password\":\"" + PASSWORD + "\"}");
            String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie).startsWith("__Host-bastion_session=").contains("; Path=/", "; HttpOnly", "; SameSite=Strict",
                    "; Secure").doesNotContainIgnoringCase("Domain=");
        }
    }

    @Test
    void signOutEndsTheSessionForTheOldCookieToo() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        String old = browser.sessionCookie("bastion_session").getValue();
        browser.find("#sign-out").click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> "/sign-in".equals(browser.path()));
        assertThat(ApiClient.send(server.baseUrl(), "bastion_session=" + old, null, "GET", "/web/api/me", null)
                .statusCode()).isEqualTo(401);
        assertThat(ApiClient.send(server.baseUrl(), "bastion_session=" + old, null, "GET", "/web/api/conversations", null)
                .statusCode()).isEqualTo(401);
        HttpResponse<String> page = ApiClient.send(server.baseUrl(), "bastion_session=" + old, null, "GET", "/c/x", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).contains("/sign-in");
        browser.assertCleanConsole();
    }

    @Test
    void everyPageCarriesTheContentSecurityPolicyAndNoneLogsAViolation() throws Exception {
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        ApiClient root = ApiClient.signIn(server.baseUrl(), ROOT, PASSWORD);
        String id = alice.conversation("A conversation", "[{\"role\":\"assistant\",\"content\":\"**bold** and `code`\"}]");
        for (var page : List.of(Map.entry(alice, "/"), Map.entry(alice, "/c/" + id), Map.entry(alice, "/admin"),
                Map.entry(root, "/admin"), Map.entry(root, "/"))) {
            HttpResponse<String> response = page.getKey().page(page.getValue());
            assertThat(response.statusCode()).as(page.getValue()).isIn(200, 403);
            assertThat(response.headers().firstValue("Content-Security-Policy")).as(page.getValue())
                    .contains(SecurityHeaders.CONTENT_SECURITY_POLICY);
            assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(response.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        }
        assertThat(ApiClient.send(server.baseUrl(), null, null, "GET", "/sign-in", null).headers()
                .firstValue("Content-Security-Policy")).contains(SecurityHeaders.CONTENT_SECURITY_POLICY);

        browser.go("/sign-in");
        browser.waitFor("#sign-in-form");
        browser.signIn(ROOT, PASSWORD);
        for (String page : List.of("/", "/admin")) {
            browser.go(page);
            browser.waitFor("h1");
        }
        browser.assertCleanConsole();
    }
}
