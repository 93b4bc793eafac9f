-- Synchronisation with the national public service portal (DVCQG),
-- docs/portal-sync.md. sync_states holds one row per dossier: the latest
-- version a mutation asked to send (written in the mutation's
-- transaction), what the portal acknowledged, and the delivery's attempts,
-- last error and dead letter. sync_changes holds one row per status change
-- with the time the portal acknowledged a state at least as new (the sync
-- timeliness indicators). sync_reconciliations keeps reconciliation
-- reports.

-- +goose Up
CREATE TABLE sync_states (
    dossier_id        TEXT PRIMARY KEY REFERENCES dossiers (id),
    wanted_version    BIGINT NOT NULL,
    wanted_at         TIMESTAMP NOT NULL,
    resend            BOOLEAN NOT NULL DEFAULT 0,
    sent_version      BIGINT NOT NULL DEFAULT 0,
    acked_version     BIGINT NOT NULL DEFAULT 0,
    acked_at          TIMESTAMP,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    first_failed_at   TIMESTAMP,
    next_attempt_at   TIMESTAMP,
    lease_until       TIMESTAMP,
    dead_lettered_at  TIMESTAMP
);
-- The deliverer's scan: due rows only.
CREATE INDEX sync_states_due ON sync_states (next_attempt_at)
    WHERE dead_lettered_at IS NULL AND (wanted_version > acked_version OR resend);

CREATE TABLE sync_changes (
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    version     BIGINT NOT NULL,
    status      INTEGER NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    acked_at    TIMESTAMP,
    PRIMARY KEY (dossier_id, version)
);

CREATE TABLE sync_reconciliations (
    id           TEXT PRIMARY KEY,
    agency_code  TEXT NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    checked      BIGINT NOT NULL,
    matched      BIGINT NOT NULL,
    divergent    BIGINT NOT NULL,
    missing      BIGINT NOT NULL,
    pending      BIGINT NOT NULL,
    report       TEXT NOT NULL
);
CREATE INDEX sync_reconciliations_agency ON sync_reconciliations (agency_code, id);

-- +goose Down
DROP TABLE sync_reconciliations;
DROP TABLE sync_changes;
DROP TABLE sync_states;
