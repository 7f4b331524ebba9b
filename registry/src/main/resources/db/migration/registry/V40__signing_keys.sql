-- Ed25519 signing keys of this server (registry module, versions 40-49). Portable SQL as in security's V1.
-- private_sealed is the PKCS#8 private key sealed with the server secret (SecretBox, bound to the key's name), so the
-- row never holds it in clear; public_key is the DER SubjectPublicKeyInfo in base64; key_id its sha256 in hex.
CREATE TABLE signing_keys (
    id ${id_column},
    name VARCHAR(64) NOT NULL UNIQUE,
    key_id VARCHAR(64) NOT NULL UNIQUE,
    public_key VARCHAR(256) NOT NULL,
    private_sealed VARCHAR(512) NOT NULL,
    created_by VARCHAR(128),
    created_at BIGINT NOT NULL
);
