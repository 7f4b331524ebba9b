-- Portable SQL (SQLite and PostgreSQL); only the identity column differs, supplied by the ${id_column} placeholder.
-- Times are epoch milliseconds (BIGINT) and booleans 0/1 (INTEGER) to stay portable.
CREATE TABLE users (
    id ${id_column},
    name VARCHAR(64) NOT NULL UNIQUE,
    role VARCHAR(16) NOT NULL CHECK (role IN ('admin', 'user')),
    created_at BIGINT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id ${id_column},
    user_id BIGINT NOT NULL REFERENCES users (id),
    prefix VARCHAR(16) NOT NULL UNIQUE,
    hash VARCHAR(64) NOT NULL,
    scopes VARCHAR(255) NOT NULL,
    name VARCHAR(128),
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE INDEX api_keys_user ON api_keys (user_id);
