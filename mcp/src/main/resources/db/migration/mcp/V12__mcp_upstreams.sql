-- Upstream MCP servers registered by an admin (mcp module, versions 10-19; upstreams own V12).
-- Portable SQL as in security's V1. Lists and maps are JSON text; secret_values is the JSON of the secret env vars and
-- headers sealed with the server secret (SecretBox, bound to the upstream's name), so the row never holds them in clear.
CREATE TABLE mcp_upstreams (
    id ${id_column},
    name VARCHAR(32) NOT NULL UNIQUE,
    kind VARCHAR(8) NOT NULL CHECK (kind IN ('stdio', 'http')),
    command_json TEXT NOT NULL,
    url VARCHAR(2048),
    env_json TEXT NOT NULL,
    headers_json TEXT NOT NULL,
    secret_values TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_by VARCHAR(128),
    created_at BIGINT NOT NULL
);
