package dev.bastion.web.pages;

import dev.bastion.security.User;
import dev.bastion.web.WebSessionsModule;
import dev.bastion.web.account.TwoFactor;
import io.javalin.http.Context;

import java.util.Map;

/** The account page: password change and two-factor sign-in; its script calls {@code /web/api/account/...}. */
public final class AccountPage {

    /** What the page shows; {@code notice} is one of the fixed messages below, never text from the request. */
    public record Model(boolean totpEnabled, boolean mustEnrol, int recoveryCodesLeft, String notice) {
    }

    private static final Map<String, String> NOTICES = Map.of(
            "password", "Your password was changed. Every other session was signed out.",
            "totp-on", "Two-factor sign-in is on.",
            "totp-off", "Two-factor sign-in is off.");

    private final WebSessionsModule sessions;

    AccountPage(WebSessionsModule sessions) {
        this.sessions = sessions;
    }

    void render(Context ctx, Viewer viewer) {
        User user = sessions.security().users().find(viewer.user()).orElse(null);
        TwoFactor twoFactor = sessions.twoFactor();
        boolean enabled = user != null && twoFactor.isEnabled(user.id());
        Model model = new Model(enabled, sessions.mustEnrolSecondFactor(ctx), enabled ? twoFactor.recoveryCodesLeft(user.id()) : 0,
                NOTICES.get(String.valueOf(ctx.queryParam("done"))));
        Pages.render(ctx, viewer, "account.jte", Map.of("account", model));
    }
}
