-- Which node holds a reservation: nodes sharing one database release at start only their own earlier processes'
-- reservations, and a survivor releases a dead node's. Reservations from before were all made by a single node,
-- which is 'local' unless BASTION_NODE_NAME names it.
ALTER TABLE credit_transactions ADD COLUMN node VARCHAR(64);
UPDATE credit_transactions SET node = 'local' WHERE kind = 'reserve';
