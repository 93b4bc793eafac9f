-- SQLite dialect of postgres/00019_dossiers_filed_order.sql.
-- Dossiers in filing order and in order of receipt, for lists with an
-- upper bound on either time.

-- +goose Up
CREATE INDEX dossiers_created ON dossiers (created_at, id);
CREATE INDEX dossiers_received_at ON dossiers (received_at, id);

-- +goose Down
DROP INDEX dossiers_received_at;
DROP INDEX dossiers_created;
