-- Rows written at schema version 16 (checked at head by checkV16): a
-- returned dossier with a reused component and an electronic result, its
-- two flags set as the store writes them.
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result, digitised, electronic_result)
VALUES ('0190a1b2-0000-7000-8000-000000000016', '000.00.01.H55-260216-0001', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":4}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":true,"issued_at":"2026-02-16T02:00:00Z"}', TRUE, TRUE);
