-- The audit chain's anchor outside the log file: the last record's seq and hash (so cutting, emptying or deleting
-- audit.log is detectable) and a fingerprint of the key the chain is HMAC-keyed with (never the key). One row.
-- pending = 1 while a record is being appended: then the file may end at seq or, after a crash, at seq - 1 (prev_hash).
CREATE TABLE audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash VARCHAR(64) NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0,
    key_fingerprint VARCHAR(64),
    updated_at BIGINT NOT NULL
);
