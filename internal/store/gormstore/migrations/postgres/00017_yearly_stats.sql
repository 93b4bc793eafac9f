-- Yearly aggregate rows (period 'Y', day 'YYYY') beside the daily and
-- monthly ones in dossier_stats and dossier_stats_durations: GetIndicators
-- for a whole year reads them, a twelfth of the monthly rows (issue 13:
-- the province's year read ~35,000 monthly histogram rows, 23 ms of its
-- 46). ApplyStats keeps them from now on, in the same statement as the
-- daily and monthly rows; here they are summed from the monthly rows.
-- Unit step rows (unit_step_stats) stay daily and monthly.
--
-- And the overdue count of GetIndicators (CountOverdue: running dossiers
-- past their legal deadline, of the scope's agencies, filed in the period)
-- reads the running dossiers' due index and, until now, each overdue
-- dossier's heap row for its agency and filing time: 1,187 rows at 1M
-- dossiers a year, five times as many at 5M. The index now carries both,
-- for an index-only scan (overdue dossiers are not being written, so their
-- pages are all-visible once vacuumed). Built over the running dossiers
-- only; the rename keeps the name the plans and docs use.

-- +goose Up
INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by,
    filed, awaiting_intake, not_accepted, received, running, paused,
    resolved_on_time, resolved_late, withdrawn, stopped, returned, supplement_dossiers,
    supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, digitised_dossiers,
    components_total, components_digitised, components_reused, components_paper, electronic_results, processing_minutes,
    identity_checked, identity_verified, identity_pending, identity_mismatches, processed_while_pending, prefilled_dossiers,
    prefilled_fields, handoffs, handoffs_acknowledged)
SELECT 'Y', agency_code, substr(day, 1, 4), procedure_code, MAX(field_code), channel, filed_by,
    SUM(filed), SUM(awaiting_intake), SUM(not_accepted), SUM(received), SUM(running), SUM(paused),
    SUM(resolved_on_time), SUM(resolved_late), SUM(withdrawn), SUM(stopped), SUM(returned), SUM(supplement_dossiers),
    SUM(supplement_rounds), SUM(payment_requests), SUM(payments_confirmed), SUM(payments_online), SUM(extensions), SUM(digitised_dossiers),
    SUM(components_total), SUM(components_digitised), SUM(components_reused), SUM(components_paper), SUM(electronic_results), SUM(processing_minutes),
    SUM(identity_checked), SUM(identity_verified), SUM(identity_pending), SUM(identity_mismatches), SUM(processed_while_pending), SUM(prefilled_dossiers),
    SUM(prefilled_fields), SUM(handoffs), SUM(handoffs_acknowledged)
FROM dossier_stats WHERE period = 'M'
GROUP BY agency_code, substr(day, 1, 4), procedure_code, channel, filed_by;
INSERT INTO dossier_stats_durations (period, agency_code, day, procedure_code, field_code, channel, filed_by, bucket, dossiers)
SELECT 'Y', agency_code, substr(day, 1, 4), procedure_code, MAX(field_code), channel, filed_by, bucket, SUM(dossiers)
FROM dossier_stats_durations WHERE period = 'M'
GROUP BY agency_code, substr(day, 1, 4), procedure_code, channel, filed_by, bucket;
CREATE INDEX dossiers_running_due_cover ON dossiers (original_due_at, id) INCLUDE (agency_code, created_at) WHERE status IN (2, 4);
DROP INDEX dossiers_running_due;
ALTER INDEX dossiers_running_due_cover RENAME TO dossiers_running_due;

-- +goose Down
CREATE INDEX dossiers_running_due_plain ON dossiers (original_due_at, id) WHERE status IN (2, 4);
DROP INDEX dossiers_running_due;
ALTER INDEX dossiers_running_due_plain RENAME TO dossiers_running_due;
DELETE FROM dossier_stats_durations WHERE period = 'Y';
DELETE FROM dossier_stats WHERE period = 'Y';
