-- The dossiers behind the digitisation and electronic-result figures
-- (docs/indicators.md): ListDossiers selects on whether a dossier has a
-- component scanned at the counter or reused (digitised) and whether it was
-- resolved with an electronic result (electronic_result). Both are kept on
-- the row from the domain (domain.Dossier.Digitised, .ElectronicResult) by
-- every write, like the other columns; existing rows are filled from their
-- JSON here. The partial indexes keep a list of one agency's flagged
-- dossiers, newest first, fast however rare the flag is.

-- +goose Up
ALTER TABLE dossiers ADD COLUMN digitised BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE dossiers ADD COLUMN electronic_result BOOLEAN NOT NULL DEFAULT FALSE;
-- Component sources 3 (digitised at the counter), 4 (reused), 5 (reused result).
UPDATE dossiers SET digitised = TRUE
 WHERE jsonb_path_exists(components, '$[*] ? (@.source == 3 || @.source == 4 || @.source == 5)');
UPDATE dossiers SET electronic_result = TRUE
 WHERE result IS NOT NULL AND processing_minutes IS NOT NULL AND (result->>'electronic') = 'true';
CREATE INDEX dossiers_agency_digitised ON dossiers (agency_code, id DESC) WHERE digitised;
CREATE INDEX dossiers_agency_electronic_result ON dossiers (agency_code, id DESC) WHERE electronic_result;

-- +goose Down
DROP INDEX dossiers_agency_electronic_result;
DROP INDEX dossiers_agency_digitised;
ALTER TABLE dossiers DROP COLUMN electronic_result;
ALTER TABLE dossiers DROP COLUMN digitised;
