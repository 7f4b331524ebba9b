package dev.bastion.web.browser;

import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The chat page in a real browser against the real server and its generated tiny model. */
@BrowserTest.WithCredits // so replies show what they cost
class ChatBrowserTest extends BrowserTest {

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
        // The warm tiny model writes a short reply faster than one network read: a slow link (about 3 KB/s) lets the
        // page show what it does with each piece as it arrives.
        var slow = new org.openqa.selenium.chromium.ChromiumNetworkConditions();
        slow.setLatency(Duration.ofMillis(5));
        slow.setDownloadThroughput(3000);
        slow.setUploadThroughput(100_000);
        setOption("#opt-seed", "7");
        browser.driver().setNetworkConditions(slow);
        browser.find("#prompt").sendKeys("Tell me a story");
        browser.find("#prompt").sendKeys(Keys.ENTER);
        browser.waiting(Duration.ofSeconds(60)).until(d -> browser.find("#chat-status").getText().equals("Reply complete."));
        browser.driver().deleteNetworkConditions();
        @SuppressWarnings("unchecked")
        List<Long> lengths = (List<Long>) browser.script("return window.__lengths;");
        assertThat(lengths.stream().distinct().filter(l -> l > 0).count()).as("distinct lengths while streaming: " + lengths)
                .isGreaterThanOrEqualTo(3);
        assertThat(browser.find("#messages li.assistant:last-child .message-stats").getText()).matches("48 tokens · [0-9.]+ tokens/s · [1-9][0-9]* credits");
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

    @Test
    void stopEndsTheStreamMidwayAndKeepsWhatWasGenerated() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        waitReady();
        setOption("#opt-num-ctx", "2048");
        setOption("#opt-num-predict", "2000");
        // A fixed seed: an unseeded sample of the random tiny model sometimes ends on its own within a few tokens.
        setOption("#opt-seed", "3");
        // The page itself presses Stop once the reply has some text: the tiny model is fast, a test's polling is not.
        browser.script("new MutationObserver((changes, observer) => {"
                + " const m = document.querySelector('#messages li.assistant:last-child .message-body');"
                + " if (m && m.textContent.length > 10) { window.__busyWhenStopped = document.getElementById('send').disabled;"
                + " document.getElementById('stop').click(); observer.disconnect(); } })"
                + ".observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true});");
        send("Go on forever");
        browser.waiting(Duration.ofSeconds(60)).until(d -> browser.find("#chat-status").getText().equals("Stopped."));
        assertThat(browser.script("return window.__busyWhenStopped")).as("no second turn while one runs").isEqualTo(true);
        int stopped = replyText().length();
        Thread.sleep(1500);
        assertThat(replyText().length()).as("no more tokens after Stop").isEqualTo(stopped);
        assertThat(browser.find("#stop").isDisplayed()).isFalse();
        assertThat(browser.find("#send").isEnabled()).isTrue();

        String id = browser.path().substring("/c/".length());
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        browser.waiting(Duration.ofSeconds(20)).until(d -> messages(alice, id).size() == 2);
        var reply = messages(alice, id).get(1);
        assertThat(reply.path("role").asText()).isEqualTo("assistant");
        assertThat(reply.path("content").asText()).isNotEmpty();
        // The server stores the stopped turn itself, with what was generated and counted before Stop.
        assertThat(reply.path("done_reason").asText()).as(reply.toString()).isEqualTo("cancelled");
        browser.assertCleanConsole();
    }

    @Test
    void regenerateReplacesTheLastReply() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        waitReady();
        setOption("#opt-num-predict", "12");
        send("First question");
        waitComplete();
        assertThat(browser.find("#regenerate").isDisplayed()).isTrue();
        setOption("#opt-seed", "99");
        browser.script("document.getElementById('chat-status').textContent = ''");
        browser.find("#regenerate").click();
        waitComplete();
        assertThat(browser.findAll("#messages li.assistant")).hasSize(1);
        assertThat(browser.findAll("#messages li.user")).hasSize(1);
        assertThat(browser.find("#messages li.assistant .message-stats").getText()).startsWith("12 tokens");
        browser.assertCleanConsole();
    }

    @Test
    void historySurvivesAServerRestart() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        waitReady();
        setOption("#opt-num-predict", "8");
        setOption("#opt-seed", "3"); // unseeded, the random tiny model sometimes ends on its own before 8 tokens
        send("Remember this after a restart");
        waitComplete();
        String path = browser.path();
        String reply = replyText();
        server.restart();
        browser.go(path);
        waitReady();
        assertThat(browser.find("#conversation-title").getText()).isEqualTo("Remember this after a restart");
        assertThat(browser.find("#messages li.user .message-body").getText()).isEqualTo("Remember this after a restart");
        assertThat(replyText()).isEqualTo(reply);
        assertThat(browser.find("#messages li.assistant .message-stats").getText()).startsWith("8 tokens");
        browser.assertCleanConsole();
    }

    @Test
    void conversationsAreSearchedRenamedAndDeleted() throws Exception {
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        String soup = alice.conversation("Soup ideas", "[{\"role\":\"user\",\"content\":\"something with zucchini\"}]");
        String bread = alice.conversation("Banana bread", null);
        browser.signIn(ALICE, PASSWORD);
        waitReady();
        assertThat(sidebarTitles()).contains("Soup ideas", "Banana bread");

        browser.find("#conversation-search").sendKeys("ZUCCHINI");
        browser.waiting(Duration.ofSeconds(10)).until(d -> sidebarTitles().equals(List.of("Soup ideas")));

        browser.find("#conversation-list li[data-id='" + soup + "'] button.rename").click();
        var input = browser.find("#rename-" + soup);
        input.clear();
        input.sendKeys("Zucchini soup", Keys.ENTER);
        browser.waiting(Duration.ofSeconds(10)).until(d -> sidebarTitles().equals(List.of("Zucchini soup")));
        assertThat(alice.json("GET", "/web/api/conversations/" + soup, null).path("title").asText()).isEqualTo("Zucchini soup");

        browser.find("#conversation-search").clear();
        browser.find("#conversation-search").sendKeys(" ");
        browser.waiting(Duration.ofSeconds(10)).until(d -> sidebarTitles().contains("Banana bread"));
        browser.find("#conversation-list li[data-id='" + bread + "'] button.delete").click();
        browser.driver().switchTo().alert().accept();
        browser.waiting(Duration.ofSeconds(10)).until(d -> !sidebarTitles().contains("Banana bread"));
        assertThat(alice.send("GET", "/web/api/conversations/" + bread, null).statusCode()).isEqualTo(404);
        assertThat(sidebarTitles()).contains("Zucchini soup");
        browser.assertCleanConsole();
    }

    @Test
    void bobSeesNoneOfAlicesConversations() throws Exception {
        String secret = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD)
                .conversation("Alice's secret plans", "[{\"role\":\"user\",\"content\":\"the secret\"}]");
        browser.signIn(BOB, PASSWORD);
        waitReady();
        assertThat(sidebarTitles()).doesNotContain("Alice's secret plans");
        browser.find("#conversation-search").sendKeys("secret");
        browser.waiting(Duration.ofSeconds(10)).until(d -> browser.find("#conversation-list").getText().contains("No conversation matches"));
        browser.go("/c/" + secret);
        browser.waiting(Duration.ofSeconds(10)).until(d -> browser.find("#chat-error").getText().contains("does not exist"));
        assertThat(browser.find("#messages").getText()).doesNotContain("the secret");
        Object status = browser.asyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/web/api/conversations/' + arguments[0]).then(r => done(r.status), e => done(String(e)));", secret);
        assertThat(status).isEqualTo(404L);
        browser.assertCleanConsole("/web/api/conversations/" + secret + " - Failed to load resource: the server responded with a status of 404");
    }

    @Test
    void repliesRenderAsMarkdownWithHighlightedCodeToolBlocksAndStats() throws Exception {
        ApiClient alice = ApiClient.signIn(server.baseUrl(), ALICE, PASSWORD);
        ArrayNode messages = ApiClient.JSON.createArrayNode();
        messages.addObject().put("role", "user").put("content", "How do I read a file line by line in Java?");
        var call = messages.addObject().put("role", "assistant").put("content", "");
        call.putArray("tool_calls").addObject().putObject("function").put("name", "files_search")
                .putObject("arguments").put("query", "Files.lines");
        messages.addObject().put("role", "tool").put("content", "[\"docs/java-io.md\"]");
        messages.addObject().put("role", "assistant").put("content", """
                Use **`Files.lines`**, which reads lazily:

                ```java
                try (Stream<String> lines = Files.lines(Path.of("notes.txt"))) {
                    lines.filter(l -> !l.isBlank()).forEach(System.out::println);
                }
                ```

                | Method | Reads |
                |---|---|
                | `Files.readAllLines` | everything at once |
                | `Files.lines` | one line at a time |
                """).put("generated_tokens", 87).put("prompt_tokens", 31).put("tokens_per_second", 42.5).put("credits", 118);
        String id = alice.conversation("Reading files in Java", messages.toString());
        browser.signIn(ALICE, PASSWORD);
        browser.go("/c/" + id);
        waitReady();
        assertThat(browser.find("#messages li.assistant:last-child strong code").getText()).isEqualTo("Files.lines");
        assertThat(browser.find("#messages li.assistant:last-child pre code.hljs.language-java").getText()).contains("Files.lines(Path.of");
        assertThat(browser.findAll("#messages li.assistant:last-child pre code span[class^=hljs-]")).isNotEmpty();
        assertThat(browser.findAll("#messages li.assistant:last-child table tr")).hasSize(3);
        assertThat(browser.find("#messages li.assistant:last-child .message-stats").getText())
                .isEqualTo("87 tokens · 42.5 tokens/s · 118 credits");
        assertThat(browser.find("#messages details.tool-call summary").getText()).isEqualTo("Tool call: files_search");
        assertThat(browser.find("#messages details.tool-result summary").getText()).isEqualTo("Tool result");
        assertThat(browser.find("#messages details.tool-call").getAttribute("open")).as("collapsed").isNull();
        browser.find("#messages details.tool-call summary").click();
        assertThat(browser.find("#messages details.tool-call pre").getText()).contains("\"query\": \"Files.lines\"");
        browser.find("#messages details.tool-call summary").click();
        browser.script("const m = document.getElementById('messages'); m.scrollTop = m.scrollHeight;");
        browser.screenshot("chat-markdown");
        browser.assertCleanConsole();
    }

    private void send(String text) {
        browser.find("#prompt").sendKeys(text);
        browser.find("#send").click();
    }

    private void waitComplete() {
        browser.waiting(Duration.ofSeconds(60)).until(d -> browser.find("#chat-status").getText().equals("Reply complete."));
    }

    /** Read in the page in one go: the elements are redrawn while a reply streams. */
    private String replyText() {
        return (String) browser.script("const all = document.querySelectorAll('#messages li.assistant .message-body');"
                + "return all.length ? all[all.length - 1].textContent : '';");
    }

    @SuppressWarnings("unchecked")
    private List<String> sidebarTitles() {
        return (List<String>) browser.script("return [...document.querySelectorAll('#conversation-list .conversation-link')]"
                + ".map(e => e.textContent);");
    }

    private static List<com.fasterxml.jackson.databind.JsonNode> messages(ApiClient client, String id) {
        try {
            List<com.fasterxml.jackson.databind.JsonNode> all = new java.util.ArrayList<>();
            client.json("GET", "/web/api/conversations/" + id, null).path("messages").forEach(all::add);
            return all;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
