-- Identity and hand-off indicators (docs/indicators.md, "Identity and enter
-- once"): the aggregate rows also sum, per dossier of their cohort, whether
-- its applicant was checked against the population database, matched, is
-- still pending, was flagged, was acted on while pending, how many fields
-- were pre-filled from the database, and its business-registration
-- hand-off. Like every metric they are deltas applied in the mutation's
-- transaction (internal/indicators.Contribution).
--
-- No backfill: dossiers checked or handed off by a build between migrations
-- 12 and 13 contribute 0 here until their next change; `motcua report
-- verify` names such rows (it recomputes every metric from the events).

-- +goose Up
ALTER TABLE dossier_stats ADD COLUMN identity_checked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN identity_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN identity_pending BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN identity_mismatches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN processed_while_pending BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN prefilled_dossiers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN prefilled_fields BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN handoffs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossier_stats ADD COLUMN handoffs_acknowledged BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE dossier_stats DROP COLUMN handoffs_acknowledged;
ALTER TABLE dossier_stats DROP COLUMN handoffs;
ALTER TABLE dossier_stats DROP COLUMN prefilled_fields;
ALTER TABLE dossier_stats DROP COLUMN prefilled_dossiers;
ALTER TABLE dossier_stats DROP COLUMN processed_while_pending;
ALTER TABLE dossier_stats DROP COLUMN identity_mismatches;
ALTER TABLE dossier_stats DROP COLUMN identity_pending;
ALTER TABLE dossier_stats DROP COLUMN identity_verified;
ALTER TABLE dossier_stats DROP COLUMN identity_checked;
