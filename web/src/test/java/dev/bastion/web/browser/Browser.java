package dev.bastion.web.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.testing.NodePackages;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Headless Debian chromium driven by chromedriver, for the web app's browser tests: sign in, read the console log
 * (every CSP violation and script error lands there), screenshots into {@code target/screenshots/}, and axe-core
 * (from npm, injected into the page by the test; the app never ships it).
 */
public final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target/screenshots").toAbsolutePath();
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChromeDriver driver;
    private final String base;
    private final List<LogEntry> console = new ArrayList<>();

    private Browser(ChromeDriver driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /** Opens a browser for the server at {@code base}; skips without chromium, except under CI where that fails. */
    public static Browser open(String base) {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing (apt: chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "chromium and chromedriver are not installed");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1100,700", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        return new Browser(driver, base);
    }

    public ChromeDriver driver() {
        return driver;
    }

    public String base() {
        return base;
    }

    public void go(String path) {
        driver.get(base + path);
    }

    public String path() {
        return java.net.URI.create(driver.getCurrentUrl()).getPath();
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public WebDriverWait waiting(Duration timeout) {
        return new WebDriverWait(driver, timeout);
    }

    public WebElement waitFor(String css) {
        return waiting(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    public Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /** Runs an async script: the last argument is the callback that ends it with a value. */
    public Object asyncScript(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    /** Fills in the sign-in page and submits it (does not wait for the result). */
    public void submitSignIn(String user, String password) {
        go("/sign-in");
        WebElement name = waitFor("#sign-in-user");
        name.clear();
        name.sendKeys(user);
        find("#sign-in-password").sendKeys(password);
        find("#sign-in-form button[type=submit]").click();
    }

    /** Signs in and waits for the chat page. */
    public void signIn(String user, String password) {
        submitSignIn(user, password);
        waiting(Duration.ofSeconds(20)).until(d -> "/".equals(path()));
        waitFor("#sign-out");
    }

    /** The session cookie's value (the browser keeps it HttpOnly; WebDriver still sees it). */
    public Cookie sessionCookie(String name) {
        return driver.manage().getCookieNamed(name);
    }

    /** Everything the page logged since the last call, kept for {@link #assertCleanConsole()}. */
    public List<LogEntry> consoleLog() {
        driver.manage().logs().get(LogType.BROWSER).forEach(console::add);
        return List.copyOf(console);
    }

    /**
     * No console error so far: no CSP violation, no script error, no failed load, except messages containing one of
     * {@code expected} (such as a page that answers 403 on purpose).
     */
    public void assertCleanConsole(String... expected) {
        List<String> problems = consoleLog().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()
                        || e.getMessage().contains("Content Security Policy"))
                .map(LogEntry::getMessage)
                .filter(m -> java.util.Arrays.stream(expected).noneMatch(m::contains)).toList();
        assertThat(problems).as("console errors and CSP violations on " + driver.getCurrentUrl()).isEmpty();
    }

    /** Forgets the console log so far (after a step that logs an expected error, such as a refused request). */
    public void clearConsole() {
        consoleLog();
        console.clear();
    }

    /** Saves a PNG of the window as {@code target/screenshots/<name>.png}. */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    /** Runs axe-core on the page and returns its serious and critical violations (ids with their targets). */
    public List<String> seriousAccessibilityViolations() throws IOException, InterruptedException {
        NodePackages.install(NODE_DIR);
        String axe = Files.readString(NODE_DIR.resolve("node_modules/axe-core/axe.min.js"));
        driver.executeScript(axe);
        Object result = asyncScript("const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']})"
                + ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));");
        JsonNode violations = JSON.readTree((String) result);
        assertThat(violations.isArray()).as("axe-core ran: " + result).isTrue();
        List<String> serious = new ArrayList<>();
        for (JsonNode v : violations) {
            String impact = v.path("impact").asText();
            if (impact.equals("serious") || impact.equals("critical")) {
                List<String> targets = new ArrayList<>();
                v.path("nodes").forEach(n -> targets.add(n.path("target").toString()));
                serious.add(v.path("id").asText() + " (" + impact + "): " + targets);
            }
        }
        return serious;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
