-- Rows at schema version 18 (checked at head by checkV18): a dossier with
-- two events, the first with its sealed state in the JSON column as every
-- release before 18 wrote it, the second with its state compact in state_z
-- (gormstore/statecodec.go, format 1: S2 with its dictionary) as 18 writes it.
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at,
 supplement_rounds, payment_requests, payments_confirmed, payments_online, extensions, processing_minutes, finished_at, result)
VALUES ('0190a1b2-0000-7000-8000-000000000018', '000.00.01.H55-260301-0018', '1.000001', 1, '000.00.01.H55', 1, '001090000002',
 '{"kind":1,"id_number":"001090000002","name":"B"}', 2, 1, 9, 's', '[{"code":"TK","source":1},{"code":"CC","source":3}]', '2026-02-14 02:00:00+00:00', '2026-02-14 02:00:00+00:00',
 '2026-02-26 02:00:00+00:00', '2026-02-26 02:00:00+00:00', -1, '', '', '', 2, 5, 5, 'h5', '2026-02-14 02:00:00+00:00',
 '2026-02-16 02:00:00+00:00', 2, 1, 1, 1, 0, 600, '2026-02-16 02:00:00+00:00', '{"documents":[],"electronic":true,"issued_at":"2026-02-16T02:00:00Z"}');
INSERT INTO dossier_events (id, dossier_id, seq, action, from_status, to_status, step_index, occurred_at, note, request_id, channel,
 actor_id, actor_role, actor_agency, actor_kind, assurance, on_behalf_of, mandate_ref, source_system, client_address, dossier_version,
 details, state, prev_hash, hash)
VALUES ('0190a1b2-0000-7000-8000-0000000018e1', '0190a1b2-0000-7000-8000-000000000018', 1, 2, 0, 2, -1, '2026-03-01 02:00:00+00:00',
 'v18', 'r18a', 1, 'clerk1', 4, '000.00.01.H55', 3, 2, '', '', '', '127.0.0.1', 1, '{}',
 '{"code": "000.00.01.H55-260301-0018", "status": "2"}', '', 'h18a');
INSERT INTO dossier_events (id, dossier_id, seq, action, from_status, to_status, step_index, occurred_at, note, request_id, channel,
 actor_id, actor_role, actor_agency, actor_kind, assurance, on_behalf_of, mandate_ref, source_system, client_address, dossier_version,
 details, state_z, prev_hash, hash)
VALUES ('0190a1b2-0000-7000-8000-0000000018e2', '0190a1b2-0000-7000-8000-000000000018', 2, 3, 2, 4, -1, '2026-03-01 03:00:00+00:00',
 'v18', 'r18b', 1, 'clerk1', 4, '000.00.01.H55', 3, 2, '', '', '', '127.0.0.1', 2, '{}',
 '\x013c5ae6021c3330312d3030313815da199d24095468e1bba5206cc3bd', 'h18a', 'h18b');
