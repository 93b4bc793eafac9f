-- +goose NO TRANSACTION
-- Dossiers in filing order and in order of receipt, for lists with an
-- upper bound on either time (filed_before, received_before;
-- DossierFilter.NewestBy). Listed newest first by id, such a list made
-- PostgreSQL walk the primary key back from the newest dossier and discard
-- every dossier past the bound: 21,471 rows at 1M dossiers to reach a date
-- three days back, ~500,000 for half a year (docs/PERFORMANCE.md, "What
-- grows faster than log n"). Ordered by (time, id) it starts at the bound.
--
-- Built CONCURRENTLY, outside a transaction, so intake goes on while they
-- build on a large table. A build that fails (or is interrupted) leaves an
-- invalid index and no recorded version; running `migrate` again drops it
-- and builds anew.

-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS dossiers_created;
CREATE INDEX CONCURRENTLY dossiers_created ON dossiers (created_at, id);
DROP INDEX CONCURRENTLY IF EXISTS dossiers_received_at;
CREATE INDEX CONCURRENTLY dossiers_received_at ON dossiers (received_at, id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS dossiers_received_at;
DROP INDEX CONCURRENTLY IF EXISTS dossiers_created;
