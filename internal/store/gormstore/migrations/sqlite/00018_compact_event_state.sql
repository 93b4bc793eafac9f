-- SQLite dialect of postgres/00018_compact_event_state.sql.
-- An event's sealed state in a compact column (gormstore/statecodec.go).

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN state_z BLOB;

-- +goose Down
-- Refused once an event has a compact state (it cannot be turned back
-- into JSON in SQL): the CHECK below fails, naming the column.
CREATE TEMP TABLE migration_18_down (events_with_compact_state INTEGER CHECK (events_with_compact_state = 0));
INSERT INTO migration_18_down SELECT count(*) FROM dossier_events WHERE state_z IS NOT NULL;
DROP TABLE migration_18_down;
ALTER TABLE dossier_events DROP COLUMN state_z;
