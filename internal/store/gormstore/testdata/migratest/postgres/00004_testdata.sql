-- Rows written at schema version 4 (checked at head by checkV4).
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at)
VALUES ('0190a1b2-0000-7000-8000-000000000010', '000.00.01.H55-260214-0001', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00');
INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by, filed, received, resolved_on_time, processing_minutes)
VALUES ('D', '000.00.01.H55', '2026-02-14', '1.000001', 'F', 2, 1, 1, 1, 1, 600);
INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by, filed, received, resolved_on_time, processing_minutes)
VALUES ('M', '000.00.01.H55', '2026-02', '1.000001', 'F', 2, 1, 1, 1, 1, 600);
INSERT INTO dossier_stats_durations (period, agency_code, day, procedure_code, field_code, channel, filed_by, bucket, dossiers)
VALUES ('D', '000.00.01.H55', '2026-02-14', '1.000001', 'F', 2, 1, 9, 1);
INSERT INTO unit_step_stats (period, unit_code, day, finished, late, late_minutes)
VALUES ('D', '000.01.01.H55', '2026-02-13', 1, 1, 60);
