-- One audit chain per node: nodes sharing one database (a cluster) each keep their own audit.log, so each needs its
-- own anchor; with one row they read each other's records as gaps. The old single row becomes node 'local', the
-- name a node has when BASTION_NODE_NAME is unset, so a single-node install continues exactly where it was.
-- Recreated rather than altered: SQLite cannot drop the old CHECK (id = 1).
CREATE TABLE audit_anchor_v3 (
    node VARCHAR(64) PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash VARCHAR(64) NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0,
    key_fingerprint VARCHAR(64),
    updated_at BIGINT NOT NULL
);
INSERT INTO audit_anchor_v3 (node, seq, hash, prev_hash, pending, key_fingerprint, updated_at)
    SELECT 'local', seq, hash, prev_hash, pending, key_fingerprint, updated_at FROM audit_anchor;
DROP TABLE audit_anchor;
ALTER TABLE audit_anchor_v3 RENAME TO audit_anchor;
