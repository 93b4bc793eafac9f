-- The event feed (WatchDossierEvents, docs/events-stream.md) follows
-- dossier_events in a commit-safe order. Event ids are UUIDs and events
-- commit concurrently, so neither the id nor an insertion-ordered serial is
-- commit order: a row numbered 5 may commit after a reader has passed 6.
-- Each row therefore records the inserting transaction's id (tx_id) and a
-- global insertion number (pos); the feed is ordered by (tx_id, pos) and
-- reads only rows with tx_id below the snapshot's xmin, below which every
-- transaction has finished, so no row can appear behind a reader's cursor.

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN tx_id xid8, ADD COLUMN pos bigint;

-- Existing rows are all committed: they take this transaction's id (every
-- later writer's is larger, and a reader sees them only once this commits)
-- and are numbered in event time, each dossier's in sequence order.
UPDATE dossier_events e SET tx_id = pg_current_xact_id(), pos = r.n
FROM (SELECT id, row_number() OVER (ORDER BY occurred_at, dossier_id, seq) AS n FROM dossier_events) r
WHERE r.id = e.id;

CREATE SEQUENCE dossier_events_pos_seq OWNED BY dossier_events.pos;
SELECT setval('dossier_events_pos_seq', COALESCE((SELECT max(pos) FROM dossier_events), 0) + 1, false);

ALTER TABLE dossier_events
    ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id(),
    ALTER COLUMN tx_id SET NOT NULL,
    ALTER COLUMN pos SET DEFAULT nextval('dossier_events_pos_seq'),
    ALTER COLUMN pos SET NOT NULL;

CREATE UNIQUE INDEX dossier_events_feed ON dossier_events (tx_id, pos);

-- +goose Down
DROP INDEX dossier_events_feed;
ALTER TABLE dossier_events DROP COLUMN pos, DROP COLUMN tx_id;
