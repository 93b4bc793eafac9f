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
    checkpoint_seq INTEGER NOT NULL REFERENCES checkpoints (seq) ON DELETE CASCADE,
    leaf_index     INTEGER NOT NULL,
    dossier_id     TEXT NOT NULL,
    last_seq       INTEGER NOT NULL,
    last_hash      TEXT NOT NULL,
    PRIMARY KEY (checkpoint_seq, leaf_index)
);
CREATE UNIQUE INDEX checkpoint_leaves_dossier ON checkpoint_leaves (checkpoint_seq, dossier_id);

-- +goose Down
DROP TABLE checkpoint_leaves;
DROP TABLE checkpoints;
ALTER TABLE dossier_events DROP COLUMN state;
