-- SQLite dialect of postgres/00003_audit.sql.
-- Read audit: every read of a dossier by staff, with the purpose they gave,
-- so that a citizen can see who looked at their dossier and why.

-- +goose Up
CREATE TABLE dossier_accesses (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id     TEXT NOT NULL REFERENCES dossiers (id),
    actor_id       TEXT NOT NULL,
    actor_role     INTEGER NOT NULL,
    actor_agency   TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    method         TEXT NOT NULL,
    accessed_at    TIMESTAMP NOT NULL,
    client_address TEXT NOT NULL
);
CREATE INDEX dossier_accesses_dossier ON dossier_accesses (dossier_id, id);
CREATE INDEX dossier_accesses_actor ON dossier_accesses (actor_id, id);

-- Online filings in a period (proxy-filing signals).
CREATE INDEX dossier_events_action_time ON dossier_events (action, occurred_at);

-- +goose Down
DROP INDEX dossier_events_action_time;
DROP TABLE dossier_accesses;
