-- SQLite dialect of postgres/00009_event_feed.sql.
-- SQLite serialises writers (a transaction takes the write lock at BEGIN),
-- so numbering rows as they are inserted is commit order: pos alone is the
-- feed's position. It is an explicit column, not the rowid, because VACUUM
-- may renumber the rowids of a table without an INTEGER PRIMARY KEY. A
-- trigger numbers each new row (an added column cannot autoincrement).

-- +goose Up
ALTER TABLE dossier_events ADD COLUMN pos INTEGER;

UPDATE dossier_events SET pos = r.n
FROM (SELECT id, row_number() OVER (ORDER BY occurred_at, dossier_id, seq) AS n FROM dossier_events) AS r
WHERE r.id = dossier_events.id;

CREATE UNIQUE INDEX dossier_events_feed ON dossier_events (pos);

-- +goose StatementBegin
CREATE TRIGGER dossier_events_pos AFTER INSERT ON dossier_events WHEN NEW.pos IS NULL
BEGIN
    UPDATE dossier_events SET pos = (SELECT COALESCE(MAX(pos), 0) + 1 FROM dossier_events) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER dossier_events_pos;
DROP INDEX dossier_events_feed;
ALTER TABLE dossier_events DROP COLUMN pos;
