-- Passwords and server-side sessions for the web app. Portable SQL (SQLite and PostgreSQL), times in epoch millis.
CREATE TABLE user_passwords (
    user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users (id),
    hash VARCHAR(255) NOT NULL,
    changed_at BIGINT NOT NULL
);

-- A session is found by the SHA-256 of its cookie value; the cookie value itself is never stored.
CREATE TABLE web_sessions (
    id_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_hash VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX web_sessions_user ON web_sessions (user_id);
