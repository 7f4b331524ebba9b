package dev.bastion.web.browser;

import dev.bastion.web.account.Totp;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static dev.bastion.web.browser.WebTestServer.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The account page in a real browser: two-factor enrolment and sign-in with a code, password change. */
class AccountBrowserTest extends BrowserTest {

    @Test
    void enrolFromTheAccountPageSignOutAndSignInAgainWithACode() throws Exception {
        browser.signIn(ALICE, PASSWORD);
        browser.find("header.top nav a[href='/account']").click();
        browser.waitFor("#totp-start");
        assertThat(browser.find("#totp-status").getText()).startsWith("Off");
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core on /account").isEmpty();
        browser.screenshot("account");

        browser.find("#totp-start").click();
        WebElement qr = browser.waitFor("#totp-qr");
        browser.waiting(Duration.ofSeconds(10)).until(d -> ((Number) browser.script(
                "const img = document.getElementById('totp-qr'); return img.complete ? img.naturalWidth : 0;")).intValue() > 100);
        assertThat(qr.getAttribute("src")).contains("/web/api/account/totp/qr");
        String secret = browser.find("#totp-secret").getText().replace(" ", "");
        assertThat(secret).matches("[A-Z2-7]{32}");
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core during enrolment").isEmpty();
        browser.screenshot("account-enrolment");

        browser.find("#totp-confirm-code").sendKeys("000000".equals(code(secret, 0)) ? "111111" : "000000");
        browser.find("#totp-confirm-form button[type=submit]").click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> !browser.find("#totp-confirm-error").getText().isEmpty());
        assertThat(browser.find("#totp-recovery").isDisplayed()).isFalse();

        WebElement code = browser.find("#totp-confirm-code");
        code.clear();
        code.sendKeys(code(secret, 0));
        browser.find("#totp-confirm-form button[type=submit]").click();
        browser.waitFor("#totp-recovery");
        List<String> recovery = browser.findAll("#totp-recovery-codes li").stream().map(WebElement::getText).toList();
        assertThat(recovery).hasSize(10).allMatch(c -> c.matches("[a-z2-7]{4}(-[a-z2-7]{4}){3}"));
        browser.find("#totp-recovery-done").click();
        browser.waitFor("#totp-disable-form");
        assertThat(browser.find("#totp-status").getText()).startsWith("On").contains("10 of 10");
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core with two-factor sign-in on").isEmpty();
        browser.clearConsole();  // the refused confirmation logged its 403

        browser.find("#sign-out").click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> "/sign-in".equals(browser.path()));
        browser.submitSignIn(ALICE, PASSWORD);
        browser.waitFor("#totp-form");
        assertThat(browser.find("#sign-in-form").isDisplayed()).isFalse();
        assertThat(browser.sessionCookie("bastion_session")).as("no session before the code").isNull();
        assertThat(browser.seriousAccessibilityViolations()).as("axe-core on the second step").isEmpty();
        browser.screenshot("sign-in-second-step");
        // the code of the next time step: this one was spent on enrolment, and a spent step is refused as a replay
        browser.find("#totp-code").sendKeys(code(secret, 1));
        browser.find("#totp-form button[type=submit]").click();
        browser.waiting(Duration.ofSeconds(20)).until(d -> "/".equals(browser.path()));
        browser.waitFor("#sign-out");
        assertThat(browser.sessionCookie("bastion_session")).isNotNull();
        browser.assertCleanConsole();
    }

    @Test
    void changingThePasswordKeepsThisBrowserSignedInAndTheOldPasswordStopsWorking() throws Exception {
        browser.signIn(BOB, PASSWORD);
        String before = browser.sessionCookie("bastion_session").getValue();
        browser.go("/account");
        browser.waitFor("#password-form");
        browser.find("#password-current").sendKeys(PASSWORD);
        browser.find("#password-new").sendKeys("short");
        browser.find("#password-repeat").sendKeys("short");
        browser.find("#password-form button[type=submit]").click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> browser.find("#password-error").getText().contains("12"));

        String fresh = "bob's brand new passphrase";
        for (String id : new String[]{"#password-new", "#password-repeat"}) {
            browser.find(id).clear();
            browser.find(id).sendKeys(fresh);
        }
        browser.find("#password-form button[type=submit]").click();
        browser.waitFor(".notice");
        assertThat(browser.find(".notice").getText()).contains("password was changed");
        assertThat(browser.sessionCookie("bastion_session").getValue()).isNotEqualTo(before);
        browser.clearConsole();  // the refused short password logged its 400

        browser.find("#sign-out").click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> "/sign-in".equals(browser.path()));
        browser.submitSignIn(BOB, PASSWORD);
        browser.waiting(Duration.ofSeconds(10)).until(d -> !browser.find("#sign-in-error").getText().isEmpty());
        browser.clearConsole();  // the refused sign-in logged its 401
        browser.signIn(BOB, fresh);
        browser.assertCleanConsole();
        assertThat(Files.exists(Browser.SCREENSHOTS)).isTrue();
    }

    private static String code(String secret, int stepsAhead) {
        return Totp.codeAt(secret, System.currentTimeMillis() + stepsAhead * Totp.STEP_MILLIS);
    }
}
