-- A chat turn's reply keeps, besides V31's counts, the server-side tools' results it read and why it ended
-- (stop, length, cancelled when the client went away, error).
ALTER TABLE web_messages ADD COLUMN tool_results_json TEXT;
ALTER TABLE web_messages ADD COLUMN done_reason VARCHAR(32);
