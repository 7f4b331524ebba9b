-- Two-factor sign-in (TOTP). Portable SQL (SQLite and PostgreSQL), times in epoch millis.
-- The shared secret is sealed with the server secret (AES-256-GCM, bound to the user id); enabled_at is null while an
-- enrolment awaits its first code. last_step is the last time step a code was accepted for: older or equal steps are
-- replays and are refused.
CREATE TABLE user_totp (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id),
    secret_sealed VARCHAR(255) NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL
);

-- One-time recovery codes: only the SHA-256 of each (80 random bits) is kept; used_at marks a spent one.
CREATE TABLE user_recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash VARCHAR(64) NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Between a right password and the second factor: a short-lived token, stored as its SHA-256, good for a few tries
-- and consumed by the sign-in it completes.
CREATE TABLE web_pending_sign_ins (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    attempts INTEGER NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_pending_sign_ins_user ON web_pending_sign_ins (user_id);
