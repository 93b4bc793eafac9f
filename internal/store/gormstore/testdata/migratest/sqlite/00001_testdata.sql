-- Rows as a release at schema version 1 would have left them (checked at
-- head by checkV1 in migratest_test.go). One statement per ';' line end.
INSERT INTO agencies (code, name, time_zone, working_hours, created_at)
VALUES ('000.00.01.H55', 'Centre', 'Asia/Ho_Chi_Minh', '[]', '2026-02-13 02:00:00+00:00');
INSERT INTO agencies (code, name, parent_code, time_zone, working_hours, created_at)
VALUES ('000.01.01.H55', 'Ward', '000.00.01.H55', 'Asia/Ho_Chi_Minh', '[{"start":480,"end":720}]', '2026-02-13 02:00:00+00:00');
INSERT INTO procedures (code, name, field_code, field_name, agency_code, created_at)
VALUES ('1.000001', 'P', 'F', 'Field', '000.00.01.H55', '2026-02-13 02:00:00+00:00');
INSERT INTO procedure_versions (procedure_code, version, effective_at, service_level, statutory_minutes, fees, components, workflow, created_at)
VALUES ('1.000001', 1, '2026-02-13 02:00:00+00:00', 1, 1440, '[]', '[]', '[]', '2026-02-13 02:00:00+00:00');
INSERT INTO dossier_sequences (agency_code, day, last_value) VALUES ('000.00.01.H55', '260213', 1);
INSERT INTO dossiers (id, code, procedure_code, procedure_version, agency_code, applicant_kind, applicant_id_number, applicant,
 channel, filed_by, status, summary, components, received_at, clock_started_at, due_at, original_due_at, step_index, step_name,
 step_unit_code, step_assignee, return_channel, version, last_event_seq, last_event_hash, created_at, updated_at)
VALUES ('0190a1b2-0000-7000-8000-000000000009', '000.00.01.H55-260213-0001', '1.000001', 1, '000.00.01.H55', 1, '001090000001',
 '{"kind":1,"id_number":"001090000001","name":"A"}', 1, 3, 2, 's', '[]', '2026-02-13 02:00:00+00:00', '2026-02-13 02:00:00+00:00',
 '2026-02-25 02:00:00+00:00', '2026-02-25 02:00:00+00:00', -1, '', '', '', 1, 1, 1, 'h1', '2026-02-13 02:00:00+00:00', '2026-02-13 02:00:00+00:00');
INSERT INTO dossier_events (id, dossier_id, seq, action, from_status, to_status, step_index, occurred_at, note, request_id, channel,
 actor_id, actor_role, actor_agency, actor_kind, assurance, on_behalf_of, mandate_ref, source_system, client_address, dossier_version,
 details, prev_hash, hash)
VALUES ('0190a1b2-0000-7000-8000-0000000000e1', '0190a1b2-0000-7000-8000-000000000009', 1, 2, 0, 2, -1, '2026-02-13 02:00:00+00:00',
 'received', 'r1', 1, 'clerk1', 4, '000.00.01.H55', 3, 2, '', '', '', '127.0.0.1', 1, '{"code":"000.00.01.H55-260213-0001"}', '', 'h1');
INSERT INTO requests (principal, request_id, method, request_hash, response, created_at)
VALUES ('clerk1', 'r1', '/motcua.v1.Dossiers/Receive', 'abc', X'00FF', '2026-02-13 02:00:00+00:00');
