-- Conversations stored per user. Portable SQL (SQLite and PostgreSQL), like security's V1. Times are epoch milliseconds.
-- Conversation ids are random UUIDs: never sequential, so an id says nothing about anyone else's conversations.
CREATE TABLE web_conversations (
    id VARCHAR(36) PRIMARY KEY,
    user_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    model VARCHAR(200),
    system_prompt TEXT,
    options_json TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX web_conversations_user ON web_conversations (user_id, updated_at);

CREATE TABLE web_messages (
    id ${id_column},
    conversation_id VARCHAR(36) NOT NULL REFERENCES web_conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role VARCHAR(16) NOT NULL,
    content TEXT NOT NULL,
    thinking TEXT,
    tool_calls_json TEXT,
    prompt_tokens INTEGER,
    generated_tokens INTEGER,
    tokens_per_second DOUBLE PRECISION,
    credits BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (conversation_id, position)
);
