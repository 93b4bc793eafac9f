-- SQLite dialect of postgres/00005_integrity.sql.
-- Sealed row state on events; signed checkpoints of every chain head.

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN state TEXT;

CREATE TABLE checkpoints (
    seq        INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    tree_size  INTEGER NOT NULL,
    root_hash  TEXT NOT NULL,
    note       TEXT NOT NULL
);

CREATE TABLE checkpoint_leaves (
    dossier_id     TEXT NOT NULL,
    checkpoint_seq INTEGER NOT NULL,
    last_seq       INTEGER NOT NULL,
    last_hash      TEXT NOT NULL,
    PRIMARY KEY (dossier_id, checkpoint_seq)
);

-- +goose Down
DROP TABLE checkpoint_leaves;
DROP TABLE checkpoints;
ALTER TABLE dossier_events DROP COLUMN state;
