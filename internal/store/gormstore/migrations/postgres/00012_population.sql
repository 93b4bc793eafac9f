-- Identity checks against the national population database (docs/identity.md).
--
-- The outcome and provenance of a dossier's checks live in its identity
-- column (JSON), which the event chain seals like every row field;
-- identity_status repeats the overall outcome (0 unchecked, 1 pending,
-- 2 match, 3 no match, 4 not found) so the retry finds pending dossiers
-- through a small partial index instead of reading JSON.
--
-- population_queries is the query log: who asked the database about whom,
-- for which dossier and why. It is personal data: auditors read it, a
-- citizen reads the lines about themself, and it is kept as long as the
-- access log (docs/security.md).

-- Business registration (same document): a procedure version's structured
-- form (NULL for other procedures), a dossier's form values and its hand-off
-- to the national business registration system (both sealed like every row
-- field); handoff_status repeats the hand-off's state (1 pending, 2 sent,
-- 3 done) so the sender and the status poller find their dossiers through a
-- small partial index.

-- +goose Up
ALTER TABLE dossiers ADD COLUMN identity_status SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX dossiers_identity_pending ON dossiers (id) WHERE identity_status = 1;

ALTER TABLE procedure_versions ADD COLUMN form JSONB;
ALTER TABLE dossiers ADD COLUMN form JSONB;
ALTER TABLE dossiers ADD COLUMN handoff JSONB;
ALTER TABLE dossiers ADD COLUMN handoff_status SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX dossiers_handoff_open ON dossiers (handoff_status, id) WHERE handoff_status IN (1, 2);

CREATE TABLE population_queries (
    id                TEXT PRIMARY KEY,
    at                TIMESTAMPTZ NOT NULL,
    actor_key         TEXT NOT NULL,
    actor_id          TEXT NOT NULL,
    actor_role        SMALLINT NOT NULL,
    dossier_id        TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    subject_id_number TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    query_id          TEXT NOT NULL DEFAULT '',
    cached            BOOLEAN NOT NULL DEFAULT FALSE,
    problem           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX population_queries_subject ON population_queries (subject_id_number, id);
CREATE INDEX population_queries_dossier ON population_queries (dossier_id, id);

-- +goose Down
DROP TABLE population_queries;
DROP INDEX dossiers_handoff_open;
ALTER TABLE dossiers DROP COLUMN handoff_status;
ALTER TABLE dossiers DROP COLUMN handoff;
ALTER TABLE dossiers DROP COLUMN form;
ALTER TABLE procedure_versions DROP COLUMN form;
DROP INDEX dossiers_identity_pending;
ALTER TABLE dossiers DROP COLUMN identity_status;
