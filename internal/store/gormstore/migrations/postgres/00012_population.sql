-- Identity checks against the national population database (docs/identity.md).
--
-- The outcome and provenance of a dossier's checks live in its identity
-- column (JSON), which the event chain seals like every row field. The
-- retry finds pending dossiers (outcome 1) through a partial index on that
-- sealed value itself: no second, unsealed column says it.
--
-- population_queries is the query log: who asked the database about whom,
-- for which dossier and why. It is personal data: auditors read it, a
-- citizen reads the lines about themself, and it is kept as long as the
-- access log (docs/security.md).

-- Business registration (same document): a procedure version's structured
-- form (NULL for other procedures), a dossier's form values and its hand-off
-- to the national business registration system (both sealed like every row
-- field). The sender and the status poller find their dossiers (status 1
-- pending, 2 sent) through partial indexes on the sealed value itself.

-- +goose Up
CREATE INDEX dossiers_identity_pending ON dossiers (id) WHERE (identity->>'outcome') = '1';

ALTER TABLE procedure_versions ADD COLUMN form JSONB;
ALTER TABLE dossiers ADD COLUMN form JSONB;
ALTER TABLE dossiers ADD COLUMN handoff JSONB;
CREATE INDEX dossiers_handoff_pending ON dossiers (id) WHERE (handoff->>'status') = '1';
CREATE INDEX dossiers_handoff_sent ON dossiers (id) WHERE (handoff->>'status') = '2';

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
DROP INDEX dossiers_handoff_sent;
DROP INDEX dossiers_handoff_pending;
ALTER TABLE dossiers DROP COLUMN handoff;
ALTER TABLE dossiers DROP COLUMN form;
ALTER TABLE procedure_versions DROP COLUMN form;
DROP INDEX dossiers_identity_pending;
