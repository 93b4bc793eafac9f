-- Rows written at schema version 2 (checked at head by checkV2).
INSERT INTO process_control_slips (dossier_id, step_index, step_name, unit_code, role, assignee, started_at, due_at, finished_at, outcome)
VALUES ('0190a1b2-0000-7000-8000-000000000009', 0, 'Thẩm định', '000.01.01.H55', 5, 'cv1', '2026-02-13 02:00:00+00:00',
 '2026-02-13 10:00:00+00:00', '2026-02-13 11:00:00+00:00', 1);
INSERT INTO calendar_years (scope, year, days, updated_at, updated_by)
VALUES ('national', 2026, '[{"date":"2026-02-16","name":"Tết"}]', '2026-01-05 02:00:00+00:00', 'admin');
