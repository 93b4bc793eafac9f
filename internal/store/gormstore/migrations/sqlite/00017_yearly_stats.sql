-- Yearly aggregate rows: see the PostgreSQL migration of the same number.
-- (Its covering due index is PostgreSQL's alone: SQLite has no INCLUDE.)

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

-- +goose Down
DELETE FROM dossier_stats_durations WHERE period = 'Y';
DELETE FROM dossier_stats WHERE period = 'Y';
