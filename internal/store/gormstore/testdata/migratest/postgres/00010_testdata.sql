-- Schema version 10: the version-4 dossier was delivered once (version 1
-- acknowledged), then failed to deliver and was dead-lettered; one status
-- change acknowledged, one not; one reconciliation report.
INSERT INTO sync_states (dossier_id, wanted_version, wanted_at, resend, sent_version, acked_version, acked_at, attempts, last_error, first_failed_at, next_attempt_at, lease_until, dead_lettered_at)
VALUES ('0190a1b2-0000-7000-8000-000000000010', 2, '2026-03-01 01:00:00+00:00', FALSE, 2, 1, '2026-03-01 00:30:00+00:00', 7, 'HTTP 503', '2026-03-01 01:00:05+00:00', NULL, NULL, '2026-03-02 01:00:05+00:00');
INSERT INTO sync_changes (dossier_id, version, status, changed_at, acked_at) VALUES
('0190a1b2-0000-7000-8000-000000000010', 1, 2, '2026-03-01 00:29:00+00:00', '2026-03-01 00:30:00+00:00'),
('0190a1b2-0000-7000-8000-000000000010', 2, 4, '2026-03-01 01:00:00+00:00', NULL);
INSERT INTO sync_reconciliations (id, agency_code, started_at, finished_at, checked, matched, divergent, missing, pending, report)
VALUES ('0190a1b2-0000-7000-8000-0000000000f0', '000.00.01.H55', '2026-03-03 00:00:00+00:00', '2026-03-03 00:00:01+00:00', 1, 0, 1, 0, 0,
'{"items":[{"dossier_id":"0190a1b2-0000-7000-8000-000000000010","kind":"DIVERGENT","fields":[{"field":"TrangThaiHoSo","local":"4","portal":"2"}]}]}');
