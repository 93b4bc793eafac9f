-- Mandate checks against a mandate registry (docs/identity.md). The check
-- lives in the dossier's representative column (JSON, sealed by the event
-- chain like every row field); the retry finds the checks awaiting the
-- registry (status 4, PENDING) through a partial index on that sealed
-- value itself, as migration 12 does for identity checks.

-- +goose Up
CREATE INDEX dossiers_mandate_pending ON dossiers (id) WHERE json_extract(representative, '$.mandate_check.status') = 4;

-- +goose Down
DROP INDEX dossiers_mandate_pending;
