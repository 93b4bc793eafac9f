-- Integrity against the database's own administrator (docs/security.md).
--
-- Every new event seals the dossier row's projection (internal/audit
-- ProjectionOf) into its hash, so verification can replay the row from its
-- events and name any field edited without an event. Older events keep
-- NULL and their v1 hash.
--
-- Checkpoints: a signed Merkle tree over every chain head (dossier id,
-- last sequence, last hash), also written outside the database (a
-- directory of files, an HTTP witness). Leaves are kept so the server can
-- prove a dossier's inclusion; the root they give is what the signature
-- covers, so editing them is detected.

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN state JSONB;

CREATE TABLE checkpoints (
    seq        BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    tree_size  BIGINT NOT NULL,
    root_hash  TEXT NOT NULL,
    -- The signed note exactly as published (golang.org/x/mod/sumdb/note).
    note       TEXT NOT NULL
);

-- A leaf is stored once per dossier per checkpoint in which its head moved
-- (not every dossier at every checkpoint): a dossier's leaf in checkpoint N
-- is its row with the highest checkpoint_seq <= N. No foreign key: the
-- leaves are checked against the signed root, not trusted.
CREATE TABLE checkpoint_leaves (
    dossier_id     UUID NOT NULL,
    checkpoint_seq BIGINT NOT NULL,
    last_seq       BIGINT NOT NULL,
    last_hash      TEXT NOT NULL,
    PRIMARY KEY (dossier_id, checkpoint_seq)
);

-- +goose Down
DROP TABLE checkpoint_leaves;
DROP TABLE checkpoints;
ALTER TABLE dossier_events DROP COLUMN state;
