-- An event's sealed state in a compact column (gormstore/statecodec.go):
-- zstd against a fixed dictionary, about a quarter of the JSON. The state
-- was 1,398 of an event row's 1,839 bytes and the events 12 of the 15 GB a
-- million dossiers took (docs/PERFORMANCE.md, "Cost growth"). PostgreSQL
-- compresses a value only in rows over about 2 kB, so it never did here.
--
-- Existing rows are not rewritten: their state stays in `state`, which
-- readers use when `state_z` is NULL, so the migration is instant on a
-- table of any size. The audit hash covers the state's values, not its
-- storage, so no chain changes.

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN state_z BYTEA;

-- +goose Down
-- A compact state cannot be turned back into JSON in SQL: going down is
-- refused once an event has one (restore the backup taken before
-- upgrading, or stay at this version).
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM dossier_events WHERE state_z IS NOT NULL) THEN
        RAISE EXCEPTION 'migration 18 cannot be undone: events store their state in state_z (compact); restore a backup from before the upgrade';
    END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE dossier_events DROP COLUMN state_z;
