-- Encrypted chat history (docs/encryption.md): a sealed title is longer than V31's VARCHAR(200) (the API still limits
-- what a user types to 200 characters), so the column becomes TEXT. Portable SQL (SQLite 3.35+ and PostgreSQL):
-- PostgreSQL enforces the old length, SQLite cannot alter a column's type, so the column is replaced and renamed.
ALTER TABLE web_conversations ADD COLUMN title_text TEXT NOT NULL DEFAULT '';
UPDATE web_conversations SET title_text = title;
ALTER TABLE web_conversations DROP COLUMN title;
ALTER TABLE web_conversations RENAME COLUMN title_text TO title;
