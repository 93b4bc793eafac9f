-- Rows as a release before migration 16 wrote them (no flag columns):
-- TestMigration16FillsFigureFlags loads them just before migration 16 and
-- checks the flags it fills in.
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-0000000016a1', '000.00.01.H55-260216-0002', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":1},{"code":"CC","source":3}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":true,"issued_at":"2026-02-16T02:00:00Z"}');
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-0000000016a2', '000.00.01.H55-260216-0003', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":1},{"code":"CC","source":2}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":false,"issued_at":"2026-02-16T02:00:00Z"}');
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-0000000016a3', '000.00.01.H55-260216-0004', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":5}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', NULL);
