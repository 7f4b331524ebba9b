package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.security.Principal;
import dev.bastion.security.User;
import dev.bastion.web.account.QrCodes;
import dev.bastion.web.account.TwoFactor;
import dev.bastion.web.account.TwoFactorPolicy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A signed-in user's own account: password change and two-factor enrolment. Only a session reaches these routes (the
 * {@link SessionAuthenticator#WEB_SESSION} scope no key carries), also a session restricted to enrolling. Anything
 * that proves who the user is (current password, a code) counts against the sign-in rate limits and is audited.
 */
final class AccountRoutes {

    private static final Access SESSION = Access.scope(SessionAuthenticator.WEB_SESSION);
    private static final String WRONG_PASSWORD_OR_CODE = "wrong password or code";

    private final WebSessionsModule web;
    private final Passwords passwords;
    private final TwoFactor twoFactor;
    private final TwoFactorPolicy policy;

    AccountRoutes(WebSessionsModule web, Passwords passwords, TwoFactor twoFactor, TwoFactorPolicy policy) {
        this.web = web;
        this.passwords = passwords;
        this.twoFactor = twoFactor;
        this.policy = policy;
    }

    void register(JavalinConfig config) {
        config.routes.get("/web/api/account", this::account, SESSION);
        config.routes.post("/web/api/account/password", this::changePassword, SESSION);
        config.routes.post("/web/api/account/totp/setup", this::setUp, SESSION);
        config.routes.get("/web/api/account/totp/qr", this::qrCode, SESSION);
        config.routes.post("/web/api/account/totp/confirm", this::confirm, SESSION);
        config.routes.post("/web/api/account/totp/disable", this::disable, SESSION);
    }

    private void account(Context ctx) {
        User user = caller(ctx);
        boolean enabled = twoFactor.isEnabled(user.id());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("user", user.name());
        view.put("role", user.role().id());
        view.put("totp_enabled", enabled);
        view.put("totp_required", policy.requiredFor().contains(user.role()));
        view.put("recovery_codes_left", enabled ? twoFactor.recoveryCodesLeft(user.id()) : 0);
        ctx.json(view);
    }

    /** {@code {current, new}}: every session of the user ends; this browser carries on with a new one. */
    private void changePassword(Context ctx) {
        User user = caller(ctx);
        JsonNode body = WebSessionsModule.jsonBody(ctx);
        if (body == null || !body.path("current").isTextual() || !body.path("new").isTextual()) {
            ctx.status(400).json(Map.of("error", "expected {\"current\": \"...\", \"new\": \"...\"}"));
            return;
        }
        if (!web.withinSignInLimits(ctx, "web.password_change", user.name())) return;
        String current = body.get("current").asText();
        String next = body.get("new").asText();
        if (passwords.check(user.name(), current).isEmpty()) {
            web.audit(ctx, user.name(), "web.password_change", user.name(), "failure", Map.of("reason", "wrong_password"));
            ctx.status(403).json(Map.of("error", "the current password is wrong"));
            return;
        }
        Optional<String> problem = Passwords.problemWith(user.name(), next)
                .or(() -> next.equals(current) ? Optional.of("the new password must differ from the current one") : Optional.empty());
        if (problem.isPresent()) {
            web.audit(ctx, user.name(), "web.password_change", user.name(), "failure", Map.of("reason", "rejected_password"));
            ctx.status(400).json(Map.of("error", problem.get()));
            return;
        }
        passwords.set(user.name(), next);
        web.startSession(ctx, user, "web.password_change", Map.of());
    }

    /** A new pending secret: its key to type in, its {@code otpauth://} URI and where its QR code is. */
    private void setUp(Context ctx) {
        User user = caller(ctx);
        Optional<TwoFactor.Enrolment> enrolment = twoFactor.begin(user.id(), user.name());
        if (enrolment.isEmpty()) {
            ctx.status(409).json(Map.of("error", "two-factor sign-in is already on; turn it off first"));
            return;
        }
        web.audit(ctx, user.name(), "web.totp_setup", user.name(), "success", Map.of());
        ctx.json(Map.of("secret", enrolment.get().secret(), "otpauth_uri", enrolment.get().uri(),
                "qr_code", "/web/api/account/totp/qr"));
    }

    /** The pending enrolment's QR code; nothing once enabled, so the secret is never shown again. */
    private void qrCode(Context ctx) {
        User user = caller(ctx);
        Optional<String> uri = twoFactor.pendingUri(user.id(), user.name());
        if (uri.isEmpty()) {
            ctx.status(404).json(Map.of("error", "no two-factor enrolment in progress"));
            return;
        }
        ctx.contentType("image/png").result(QrCodes.png(uri.get()));
    }

    /** {@code {code}} from the app: turns TOTP on and hands out the recovery codes, once. */
    private void confirm(Context ctx) {
        User user = caller(ctx);
        JsonNode body = WebSessionsModule.jsonBody(ctx);
        if (body == null || !body.path("code").isTextual()) {
            ctx.status(400).json(Map.of("error", "expected {\"code\": \"123456\"}"));
            return;
        }
        if (!web.withinSignInLimits(ctx, "web.totp_enable", user.name())) return;
        Optional<List<String>> codes = twoFactor.confirm(user.id(), body.get("code").asText());
        if (codes.isEmpty()) {
            web.audit(ctx, user.name(), "web.totp_enable", user.name(), "failure", Map.of("reason", "wrong_code"));
            ctx.status(403).json(Map.of("error", "wrong code, or no enrolment in progress"));
            return;
        }
        web.audit(ctx, user.name(), "web.totp_enable", user.name(), "success", Map.of());
        ctx.json(Map.of("recovery_codes", codes.get()));
    }

    /** {@code {password, code | recovery_code}}: both factors, so a borrowed unlocked browser cannot turn it off. */
    private void disable(Context ctx) {
        User user = caller(ctx);
        JsonNode body = WebSessionsModule.jsonBody(ctx);
        boolean code = body != null && body.path("code").isTextual();
        boolean recovery = body != null && body.path("recovery_code").isTextual();
        if (body == null || !body.path("password").isTextual() || code == recovery) {
            ctx.status(400).json(Map.of("error", "expected {\"password\", \"code\"} or {\"password\", \"recovery_code\"}"));
            return;
        }
        if (!web.withinSignInLimits(ctx, "web.totp_disable", user.name())) return;
        String refusal = null;
        if (passwords.check(user.name(), body.get("password").asText()).isEmpty()) {
            refusal = "wrong_password";
        } else {
            TwoFactor.Check check = code ? twoFactor.verifyCode(user.id(), body.get("code").asText())
                    : twoFactor.useRecoveryCode(user.id(), body.get("recovery_code").asText());
            if (check != TwoFactor.Check.ACCEPTED) refusal = (recovery ? "recovery_code_" : "code_") + check.reason();
        }
        if (refusal != null) {
            web.audit(ctx, user.name(), "web.totp_disable", user.name(), "failure", Map.of("reason", refusal));
            ctx.status(403).json(Map.of("error", WRONG_PASSWORD_OR_CODE));
            return;
        }
        twoFactor.disable(user.id());
        web.audit(ctx, user.name(), "web.totp_disable", user.name(), "success", Map.of());
        ctx.status(204);
    }

    /** The signed-in user; the local operator of {@code --insecure-no-auth} has no account to manage. */
    private User caller(Context ctx) {
        Principal principal = RequestContext.principal(ctx).orElseThrow();
        if (principal == Principal.LOCAL_OPERATOR || principal.keyPrefix() != null) {
            throw new ForbiddenResponse("an account is managed from a signed-in browser session");
        }
        return web.security().users().find(principal.userName()).filter(u -> !u.disabled())
                .orElseThrow(() -> new ForbiddenResponse("an account is managed from a signed-in browser session"));
    }
}
