-- The credits ledger: append-only, double-entry. Portable SQL (SQLite and PostgreSQL), like security's V1.
-- Amounts are integers in the smallest unit; times are epoch milliseconds.

-- One row per transaction. A reservation is a transaction of kind 'reserve'; the transaction that settles or releases it
-- names it in `closes`, which is UNIQUE: a reservation can be closed exactly once, whoever tries twice.
CREATE TABLE credit_transactions (
    id ${id_column},
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('grant', 'transfer', 'reserve', 'settle', 'release', 'charge')),
    idempotency_key VARCHAR(200) UNIQUE,
    closes BIGINT UNIQUE REFERENCES credit_transactions (id),
    actor VARCHAR(64),
    request_id VARCHAR(128),
    subject VARCHAR(200),
    holder VARCHAR(64),
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);

-- The entries of each transaction sum to zero. Accounts: user:<id>, mint, hold:<reservation id>, revenue:<subject>.
CREATE TABLE credit_entries (
    id ${id_column},
    transaction_id BIGINT NOT NULL REFERENCES credit_transactions (id),
    account VARCHAR(220) NOT NULL,
    amount BIGINT NOT NULL
);
CREATE INDEX credit_entries_account ON credit_entries (account);
CREATE INDEX credit_entries_transaction ON credit_entries (transaction_id);

-- A cache of SUM(amount) per account, written in the same database transaction as the entries; rebuilt by verify.
CREATE TABLE credit_balances (
    account VARCHAR(220) PRIMARY KEY,
    balance BIGINT NOT NULL
);

-- What each settled generation, embedding or tool call used: one row per charge, for usage reports.
CREATE TABLE credit_usage (
    id ${id_column},
    transaction_id BIGINT NOT NULL UNIQUE REFERENCES credit_transactions (id),
    user_id BIGINT NOT NULL,
    subject VARCHAR(200) NOT NULL,
    day VARCHAR(10) NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    generated_tokens BIGINT NOT NULL,
    credits BIGINT NOT NULL
);
CREATE INDEX credit_usage_user_day ON credit_usage (user_id, day);

-- Prices, append-only: the newest row for a subject ('model:<name>', 'tool:<name>' or 'default') is in force.
CREATE TABLE credit_prices (
    id ${id_column},
    subject VARCHAR(200) NOT NULL,
    prompt_per_1k BIGINT NOT NULL CHECK (prompt_per_1k >= 0),
    generated_per_1k BIGINT NOT NULL CHECK (generated_per_1k >= 0),
    per_call BIGINT NOT NULL CHECK (per_call >= 0),
    actor VARCHAR(64),
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_prices_subject ON credit_prices (subject, id);
