-- Files uploaded from the web app. The bytes live in the user's workspace (BASTION_HOME/workspaces/<user>/<name>);
-- this table gives each a random id, so an id says nothing about another user's files, and keeps what was checked.
CREATE TABLE web_files (
    id VARCHAR(36) PRIMARY KEY,
    user_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    media_type VARCHAR(64) NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX web_files_user ON web_files (user_id, created_at);
