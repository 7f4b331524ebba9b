-- Tool policy of the MCP gateway: allow/deny rules on full tool names (namespace__tool, '*' matches any run of
-- characters), per role or per user. Portable SQL (SQLite and PostgreSQL); times are epoch milliseconds.
CREATE TABLE mcp_tool_policy (
    id ${id_column},
    subject_kind VARCHAR(8) NOT NULL CHECK (subject_kind IN ('role', 'user')),
    subject VARCHAR(64) NOT NULL,
    pattern VARCHAR(128) NOT NULL,
    effect VARCHAR(8) NOT NULL CHECK (effect IN ('allow', 'deny')),
    created_at BIGINT NOT NULL,
    UNIQUE (subject_kind, subject, pattern, effect)
);

-- Defaults: admins may call every tool; users the files tools and shell__run (which still runs only allowlisted
-- commands). A newly registered upstream namespace matches neither user rule, so users cannot call it until allowed.
INSERT INTO mcp_tool_policy (subject_kind, subject, pattern, effect, created_at) VALUES ('role', 'admin', '*', 'allow', 0);
INSERT INTO mcp_tool_policy (subject_kind, subject, pattern, effect, created_at) VALUES ('role', 'user', 'files__*', 'allow', 0);
INSERT INTO mcp_tool_policy (subject_kind, subject, pattern, effect, created_at) VALUES ('role', 'user', 'shell__run', 'allow', 0);
