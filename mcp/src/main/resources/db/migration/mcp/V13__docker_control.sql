-- Users an admin allowed to start, stop and restart containers through the docker tool (off for everyone by default).
-- Portable SQL (SQLite and PostgreSQL), like security's migrations.
CREATE TABLE mcp_docker_control (
    id ${id_column},
    user_id BIGINT NOT NULL UNIQUE REFERENCES users (id),
    granted_by VARCHAR(128) NOT NULL,
    granted_at BIGINT NOT NULL
);
