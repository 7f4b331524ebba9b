package dev.bastion.web.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Scope;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin console in a real browser: every change through the audited API, secrets shown once, admins only. */
class AdminConsoleBrowserTest extends BrowserTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final List<String> PAGES = List.of("/admin", "/admin/users", "/admin/keys", "/admin/models",
            "/admin/running", "/admin/audit", "/admin/credits");

    @Test
    void anAdminCreatesAUserByKeyboardThenAKeyShownOnceAndRevokesIt() throws Exception {
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/users");
        waitForRow("#users", ROOT);
        // Keyboard only: type, tab to the next control, Enter submits.
        WebElement name = browser.find("#new-user-name");
        name.click();
        name.sendKeys("carol");
        browser.driver().switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).isEqualTo("new-user-role");
        browser.driver().switchTo().activeElement().sendKeys(Keys.TAB);
        browser.driver().switchTo().activeElement().sendKeys("carol's long passphrase");
        browser.driver().switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(browser.driver().switchTo().activeElement().getText()).isEqualTo("Create user");
        browser.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
        waitForRow("#users", "carol");
        assertThat(signInStatus("carol", "carol's long passphrase")).as("the password set at creation").isEqualTo(200);

        browser.go("/admin/keys");
        waiting().until(d -> !d.findElements(By.cssSelector("#new-key-user option[value=carol]")).isEmpty());
        new Select(browser.find("#new-key-user")).selectByValue("carol");
        browser.find("#new-key-name").sendKeys("laptop");
        browser.find("#create-key button[type=submit]").click();
        WebElement secret = browser.waitFor("#secret-value");
        String key = secret.getAttribute("value");
        assertThat(key).startsWith("bst_");
        assertThat(apiStatus("/api/tags", key)).isEqualTo(200);
        String prefix = key.split("_")[1];
        waitForRow("#keys", prefix);

        browser.driver().navigate().refresh();
        waitForRow("#keys", prefix);
        assertThat(browser.find("#secret-panel").isDisplayed()).as("gone on reload").isFalse();
        assertThat(browser.driver().getPageSource()).doesNotContain(key);

        browser.find("button[aria-label='Revoke key " + prefix + " of carol']").click();
        waiting().until(ExpectedConditions.alertIsPresent()).accept();
        waiting().until(d -> rowText("#keys", prefix).contains("revoked"));
        assertThat(apiStatus("/api/tags", key)).as("a revoked key").isEqualTo(401);
        assertThat(Files.readString(server.security().audit().file()))
                .contains("\"actor\":\"root\",\"action\":\"user.create\",\"target\":\"carol\"")
                .contains("\"actor\":\"root\",\"action\":\"key.revoke\",\"target\":\"" + prefix + "\"");
        browser.assertCleanConsole();
    }

    @Test
    void anAdminResetsAPasswordShownOnceAndChangesARole() throws Exception {
        server.security().users().create("dave", dev.bastion.security.Role.USER);
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/users");
        waitForRow("#users", "dave");
        browser.find("button[aria-label='Reset the password of dave']").click();
        waiting().until(ExpectedConditions.alertIsPresent()).accept();
        String password = browser.waitFor("#secret-value").getAttribute("value");
        assertThat(password).hasSize(24);
        assertThat(signInStatus("dave", password)).isEqualTo(200);
        browser.find("#secret-dismiss").click();
        assertThat(browser.find("#secret-value").getAttribute("value")).isEmpty();

        browser.find("button[aria-label='Make admin: dave']").click();
        // the row's button turns into "Make user" once the server answered ("admin" alone is in "Make admin" before)
        waiting().until(d -> rowText("#users", "dave").contains("Make user"));
        assertThat(server.security().users().find("dave").orElseThrow().role()).isEqualTo(dev.bastion.security.Role.ADMIN);
        browser.find("button[aria-label='Disable dave']").click();
        waiting().until(d -> rowText("#users", "dave").contains("disabled"));
        assertThat(signInStatus("dave", password)).isEqualTo(401);
        browser.assertCleanConsole();
    }

    @Test
    void theAuditPageFiltersRendersHostileNamesInertAndVerifiesTheChain() throws Exception {
        String hostile = "<img src=x onerror=window.__pwned=1>";
        assertThat(signInStatus(hostile, "wrong password entirely")).isEqualTo(401);
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/audit");
        waitForRow("#audit", "web.sign_in");
        browser.find("#filter-action").sendKeys("web.sign_in");
        new Select(browser.find("#filter-outcome")).selectByValue("failure");
        browser.find("#audit-filter button[type=submit]").click();
        waiting().until(d -> rowTexts("#audit").stream().allMatch(t -> t.contains("failure")));
        List<String> rows = rowTexts("#audit");
        assertThat(rows).isNotEmpty().allMatch(t -> t.contains("web.sign_in"));
        assertThat(String.join("\n", rows)).contains(hostile);
        assertThat(browser.script("return window.__pwned === undefined && document.querySelectorAll('#audit img').length === 0"))
                .as("the name is text, not markup").isEqualTo(true);

        browser.find("#verify-chain").click();
        waiting().until(d -> browser.find("#verify-result").getText().startsWith("Chain intact"));
        assertThat(browser.find("#verify-result").getText()).matches("Chain intact: \\d+ records verified\\.");
        browser.assertCleanConsole();
    }

    @Test
    void theModelsPageListsTheGeneratedModelShowsItImportsAndDeletes() throws Exception {
        TinyModelFixture.tinyModel(server.importRoot().resolve("incoming/qwen"), Architecture.QWEN2);
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/models");
        waitForRow("#models", MODEL + ":latest");
        assertThat(rowText("#models", MODEL + ":latest")).contains("shared");
        browser.find("button[aria-label='Details of " + MODEL + ":latest']").click();
        browser.waitFor("#model-details");
        assertThat(browser.find("#model-details-title").getText()).isEqualTo(MODEL + ":latest");
        assertThat(browser.find("#model-details-list").getText()).contains("family");

        browser.find("#import-path").sendKeys("../outside");
        browser.find("#import-name").sendKeys("library/escape");
        browser.find("#import-model button[type=submit]").click();
        waiting().until(d -> browser.find("#admin-error").getText().contains("under the import root"));
        browser.clearConsole(); // the refused request is logged as a failed load
        browser.find("#import-path").clear();
        browser.find("#import-path").sendKeys("incoming/qwen");
        browser.find("#import-name").clear();
        browser.find("#import-name").sendKeys("alice/imported");
        browser.find("#import-model button[type=submit]").click();
        waitForRow("#models", "alice/imported:latest");
        assertThat(rowText("#models", "alice/imported:latest")).contains("alice");

        browser.find("button[aria-label='Delete alice/imported:latest']").click();
        waiting().until(ExpectedConditions.alertIsPresent()).accept();
        waiting().until(d -> rowTexts("#models").stream().noneMatch(t -> t.contains("alice/imported")));
        browser.assertCleanConsole();
    }

    @Test
    void theRunningPageListsALoadedModelAndUnloadsIt() throws Exception {
        String key = server.security().keys().create(ROOT, Set.of(Scope.MODELS_USE), null, null).secret();
        HttpResponse<String> load = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/generate"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"keep_alive\":\"10m\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/running");
        waitForRow("#running", MODEL);
        browser.find("button[aria-label='Unload " + MODEL + ":latest'], button[aria-label='Unload " + MODEL + "']").click();
        waiting().until(d -> rowText("#running", "No model is loaded").contains("No model"));
        JsonNode ps = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/ps"))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(ps.get("models")).isEmpty();
        browser.assertCleanConsole();
    }

    @Test
    void theCreditsPageShowsBalancesAndGrants() throws Exception {
        browser.signIn(ROOT, PASSWORD);
        browser.go("/admin/credits");
        waitForRow("#balances", BOB);
        new Select(browser.find("#grant-user")).selectByValue(BOB);
        browser.find("#grant-amount").sendKeys("250");
        browser.find("#grant button[type=submit]").click();
        waiting().until(d -> rowText("#balances", BOB).contains("250"));
        assertThat(browser.find("#admin-message").getText()).contains("Granted 250 credits to bob");
        browser.assertCleanConsole();
    }

    @Test
    void aNonAdminGetsTheForbiddenPageEverywhereAndTheAdminApiRefusesTheSession() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        for (String page : PAGES) {
            browser.go(page);
            assertThat(browser.find("h1").getText()).as(page).isEqualTo("Forbidden");
            assertThat(browser.findAll(".admin-nav")).as(page).isEmpty();
        }
        String cookie = browser.sessionCookie("bastion_session").getValue();
        for (String api : new String[]{"/api/admin/users", "/api/admin/audit", "/api/admin/models", "/api/admin/keys"}) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + api))
                    .header("Cookie", "bastion_session=" + cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(api).isEqualTo(403);
        }
        browser.assertCleanConsole("Failed to load resource: the server responded with a status of 403");
    }

    @Test
    void everyAdminPageIsAccessibleHasNoConsoleErrorsAndIsScreenshotted() throws Exception {
        browser.signIn(ROOT, PASSWORD);
        Map<String, String> loaded = Map.of("/admin", "[data-figure='/admin/users']:not(:empty)",
                "/admin/users", "#users tbody tr", "/admin/keys", "#keys tbody tr", "/admin/models", "#models tbody tr",
                "/admin/running", "#running tbody tr", "/admin/audit", "#audit tbody tr", "/admin/credits", "#balances tbody tr");
        for (String page : PAGES) {
            browser.go(page);
            browser.waitFor(loaded.get(page));
            assertThat(browser.find("h1").getText()).as(page).isNotEqualTo("Forbidden");
            assertThat(browser.find(".admin-nav a[aria-current=page]").getAttribute("href")).endsWith(page);
            assertThat(browser.seriousAccessibilityViolations()).as("axe-core on " + page).isEmpty();
            browser.assertCleanConsole();
            if (page.equals("/admin/audit")) {
                browser.find("#verify-chain").click();
                waiting().until(d -> browser.find("#verify-result").getText().startsWith("Chain intact"));
            }
            String name = page.equals("/admin") ? "admin" : "admin-" + page.substring("/admin/".length());
            assertThat(browser.screenshot(name)).exists();
        }
    }

    /** Waits that, on timeout, say what the page reported. */
    private org.openqa.selenium.support.ui.WebDriverWait waiting() {
        return (org.openqa.selenium.support.ui.WebDriverWait) browser.waiting(WAIT).withMessage(() -> "the page says: "
                + browser.find("#admin-message").getText() + " / " + browser.find("#admin-error").getText());
    }

    private void waitForRow(String table, String text) {
        waiting().until(d -> rowTexts(table).stream().anyMatch(t -> t.contains(text)));
    }

    private String rowText(String table, String text) {
        return rowTexts(table).stream().filter(t -> t.contains(text)).findFirst().orElse("");
    }

    private List<String> rowTexts(String table) {
        try {
            return browser.findAll(table + " tbody tr").stream().map(WebElement::getText).toList();
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return List.of();
        }
    }

    private static int signInStatus(String user, String password) throws Exception {
        String body = JSON.writeValueAsString(Map.of("user", user, "password", password));
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/web/api/sign-in"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static int apiStatus(String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + key)
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
