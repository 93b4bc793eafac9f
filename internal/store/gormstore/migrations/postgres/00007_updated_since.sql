-- ListDossiers with updated_since (a portal polling for changes) walks
-- dossiers in (updated_at, id) order from a time: an index in that order
-- serves it without sorting the table.

-- +goose Up
CREATE INDEX dossiers_updated_at_id ON dossiers (updated_at, id);

-- +goose Down
DROP INDEX dossiers_updated_at_id;
