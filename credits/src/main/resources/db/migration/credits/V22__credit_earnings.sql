-- Peers earn credits: a settlement or charge on a node with an owner pays that owner (user:<id>) the charge less the
-- network fee, which goes to 'network:fees'. The transaction records whom it paid and at which rate, so that verify can
-- recompute the split from the charge; both stay NULL where the charge went to revenue:<subject> as before.
ALTER TABLE credit_transactions ADD COLUMN earner VARCHAR(220);
ALTER TABLE credit_transactions ADD COLUMN fee_bp INTEGER CHECK (fee_bp BETWEEN 0 AND 10000);

-- The network fee, one for every node sharing this database, append-only: the newest row is in force (none: 10%).
CREATE TABLE credit_network_fees (
    id ${id_column},
    basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    actor VARCHAR(64),
    created_at BIGINT NOT NULL
);
