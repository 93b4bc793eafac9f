-- The dossiers behind the digitisation and electronic-result figures: see
-- the PostgreSQL migration of the same number.

-- +goose Up
ALTER TABLE dossiers ADD COLUMN digitised BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN electronic_result BOOLEAN NOT NULL DEFAULT 0;
-- Component sources 3 (digitised at the counter), 4 (reused), 5 (reused result).
UPDATE dossiers SET digitised = 1
 WHERE EXISTS (SELECT 1 FROM json_each(dossiers.components) WHERE json_extract(value, '$.source') IN (3, 4, 5));
UPDATE dossiers SET electronic_result = 1
 WHERE result IS NOT NULL AND processing_minutes IS NOT NULL AND json_extract(result, '$.electronic') = 1;
CREATE INDEX dossiers_agency_digitised ON dossiers (agency_code, id DESC) WHERE digitised;
CREATE INDEX dossiers_agency_electronic_result ON dossiers (agency_code, id DESC) WHERE electronic_result;

-- +goose Down
DROP INDEX dossiers_agency_electronic_result;
DROP INDEX dossiers_agency_digitised;
ALTER TABLE dossiers DROP COLUMN electronic_result;
ALTER TABLE dossiers DROP COLUMN digitised;
