-- SQLite dialect of postgres/00019_dossiers_filed_order.sql.
-- Dossiers in filing order, for lists with an upper filing bound.

-- +goose Up
CREATE INDEX dossiers_created ON dossiers (created_at, id);

-- +goose Down
DROP INDEX dossiers_created;
