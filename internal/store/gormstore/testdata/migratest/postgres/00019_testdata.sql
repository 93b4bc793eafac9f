-- Rows at schema version 19 (checked at head by checkV19, which lists every
-- fixture's dossiers newest-filed first, page by page): two dossiers filed
-- at the same instant, which the keyset tells apart by id.
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-0000000019a1', '000.00.01.H55-260305-0019', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":1},{"code":"CC","source":3}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-03-05 02:00:00+00:00',
 '2026-03-05 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":true,"issued_at":"2026-02-16T02:00:00Z"}');
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-0000000019a2', '000.00.01.H55-260305-0020', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":1},{"code":"CC","source":3}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-03-05 02:00:00+00:00',
 '2026-03-05 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":true,"issued_at":"2026-02-16T02:00:00Z"}');
