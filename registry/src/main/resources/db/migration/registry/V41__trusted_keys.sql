-- Publishers' public keys whose model signatures this server trusts (registry module, versions 40-49).
CREATE TABLE trusted_keys (
    id ${id_column},
    name VARCHAR(64) NOT NULL UNIQUE,
    key_id VARCHAR(64) NOT NULL UNIQUE,
    public_key VARCHAR(256) NOT NULL,
    added_by VARCHAR(128),
    added_at BIGINT NOT NULL
);
