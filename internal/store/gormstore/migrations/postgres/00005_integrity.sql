-- Integrity against the database's own administrator (docs/security.md).
--
-- Every new event seals the dossier row's projection (internal/audit
-- ProjectionOf) into its hash, so verification can replay the row from its
-- events and name any field edited without an event. Older events keep
-- NULL and their v1 hash.
--
-- Checkpoints: a signed Merkle tree over every chain head (dossier id,
-- last sequence, last hash), also written outside the database (a
-- directory of files, an HTTP witness). A checkpoint's leaves are kept so
-- the server can prove a dossier's inclusion; the root they give is what
-- the signature covers, so editing them is detected.

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

CREATE TABLE checkpoint_leaves (
    checkpoint_seq BIGINT NOT NULL REFERENCES checkpoints (seq) ON DELETE CASCADE,
    leaf_index     BIGINT NOT NULL,
    dossier_id     UUID NOT NULL,
    last_seq       BIGINT NOT NULL,
    last_hash      TEXT NOT NULL,
    PRIMARY KEY (checkpoint_seq, leaf_index)
);
CREATE UNIQUE INDEX checkpoint_leaves_dossier ON checkpoint_leaves (checkpoint_seq, dossier_id);

-- +goose Down
DROP TABLE checkpoint_leaves;
DROP TABLE checkpoints;
ALTER TABLE dossier_events DROP COLUMN state;
