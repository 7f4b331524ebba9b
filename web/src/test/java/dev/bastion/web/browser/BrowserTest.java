package dev.bastion.web.browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real server on a temporary home for each test class, and a fresh headless browser for each test.
 */
abstract class BrowserTest {

    @TempDir
    static Path home;
    static WebTestServer server;
    Browser browser;

    /** The class's server meters credits, and alice and bob start with plenty. */
    @Retention(RetentionPolicy.RUNTIME)
    @interface WithCredits {}

    @BeforeAll
    static void startServer(TestInfo test) throws Exception {
        boolean credits = test.getTestClass().orElseThrow().isAnnotationPresent(WithCredits.class);
        server = WebTestServer.start(home, credits ? Map.of("BASTION_CREDITS", "on") : Map.of());
        if (credits) {
            server.grantCredits(WebTestServer.ALICE, 1_000_000);
            server.grantCredits(WebTestServer.BOB, 1_000_000);
        }
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
}
