-- Schema version 8: a webhook subscription (failing, with a rotated secret),
-- its cursor on the version-4 dossier and one failed delivery.
INSERT INTO webhook_subscriptions (id, endpoint, description, event_types, agency_codes, secrets, enabled, disabled_reason,
    disabled_at, failing_since, consecutive_failures, created_by, created_at, updated_at, version)
VALUES ('wh-v8', 'https://portal.example/hooks', 'cổng dịch vụ công', '["vn.motcua.dossier.submitted"]', '["000.00.01.H55"]',
    '[{"value":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","expires_at":"2026-03-02T00:00:00Z"},{"value":"whsec_bmV3IHNlY3JldCBvZiB2ZXJzaW9uIDg="}]',
    TRUE, '', NULL, '2026-03-01T01:00:00Z', 2, 'https://sso.example|staff|admin-8', '2026-02-20T00:00:00Z', '2026-03-01T00:00:00Z', 3);
INSERT INTO webhook_cursors (subscription_id, dossier_id, last_seq, lease_owner, leased_until)
VALUES ('wh-v8', '0190a1b2-0000-7000-8000-000000000010', 1, '', NULL);
INSERT INTO webhook_deliveries (subscription_id, event_id, dossier_id, seq, attempt, status_code, error, latency_ms, at)
VALUES ('wh-v8', 'ev-v8', '0190a1b2-0000-7000-8000-000000000010', 2, 1, 503, 'HTTP 503', 42, '2026-03-01T01:00:00Z');
