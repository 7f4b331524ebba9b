-- The shell tool's allowlist: executables by canonical path (symbolic links resolved once, when an admin allows them).
-- Portable SQL (SQLite and PostgreSQL); times are epoch milliseconds.
CREATE TABLE mcp_allowed_commands (
    id ${id_column},
    path VARCHAR(4096) NOT NULL UNIQUE,
    requested_path VARCHAR(4096) NOT NULL,
    -- A JSON list of RE2 patterns; an argument matching one in full is refused for this command (NULL: none).
    deny_args VARCHAR(8192),
    added_by VARCHAR(128),
    created_at BIGINT NOT NULL
);
