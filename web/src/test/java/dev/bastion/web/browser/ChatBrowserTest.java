package dev.bastion.web.browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The chat page in a real browser against the real server and its generated tiny model. */
class ChatBrowserTest {

    @TempDir
    static Path home;
    static WebTestServer server;
    Browser browser;

    @BeforeAll
    static void startServer() throws Exception {
        server = WebTestServer.start(home);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void openBrowser() {
        browser = Browser.open(server.baseUrl());
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.close();
    }

    @Test
    void aReplyStreamsTokenByTokenAndIsStoredWithItsCounts() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        waitReady();
        assertThat(browser.find("#model").getAttribute("value")).isEqualTo(MODEL + ":latest");
        // Record every length the reply's text takes while it streams.
        browser.script("window.__lengths = [];"
                + "new MutationObserver(() => { const m = document.querySelector('#messages li.assistant:last-child .message-body');"
                + " if (m) window.__lengths.push(m.textContent.length); })"
                + ".observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true});");
        setOption("#opt-num-predict", "48");
        setOption("#opt-seed", "7");
        browser.find("#prompt").sendKeys("Tell me a story");
        browser.find("#prompt").sendKeys(Keys.ENTER);
        browser.waiting(Duration.ofSeconds(60)).until(d -> browser.find("#chat-status").getText().equals("Reply complete."));
        @SuppressWarnings("unchecked")
        List<Long> lengths = (List<Long>) browser.script("return window.__lengths;");
        assertThat(lengths.stream().distinct().filter(l -> l > 0).count()).as("distinct lengths while streaming: " + lengths)
                .isGreaterThanOrEqualTo(3);
        assertThat(browser.find("#messages li.assistant:last-child .message-stats").getText()).matches("48 tokens · [0-9.]+ tokens/s");
        assertThat(browser.path()).startsWith("/c/");
        assertThat(browser.findAll("#conversation-list .conversation-link")).extracting(e -> e.getText()).contains("Tell me a story");
        browser.screenshot("chat");
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core on the chat page").isEmpty();
        browser.assertCleanConsole();

        String id = browser.path().substring("/c/".length());
        var stored = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD).json("GET", "/web/api/conversations/" + id, null);
        assertThat(stored.path("messages")).hasSize(2);
        assertThat(stored.path("messages").get(1).path("generated_tokens").asInt()).isEqualTo(48);
    }

    private void waitReady() {
        browser.waiting(Duration.ofSeconds(20)).until(d -> "true".equals(browser.find("#chat").getAttribute("data-ready")));
    }

    private void setOption(String css, String value) {
        if (!Boolean.parseBoolean(browser.find("#settings").getDomProperty("open"))) browser.find("#settings summary").click();
        browser.find(css).clear();
        browser.find(css).sendKeys(value);
    }
}
