-- Schema version 12 adds the identity status and the population-database
-- query log: the version-4 dossier becomes pending, and one query is logged.
-- (SQLite: times as RFC 3339 text.)
UPDATE dossiers SET identity = '{"matched":false,"source":"","query_id":"","verified_at":"0001-01-01T00:00:00Z","outcome":1,"applicant":{"outcome":1,"problem":"POPULATION_DB_UNAVAILABLE"}}',
    identity_status = 1
WHERE id = '0190a1b2-0000-7000-8000-000000000010';
INSERT INTO population_queries (id, at, actor_key, actor_id, actor_role, dossier_id, kind, purpose, subject_id_number, outcome, query_id, cached, problem)
VALUES ('0190a1b2-0000-7000-8000-000000000120', '2026-03-01T01:00:00Z', 'motcua|system|motcua', 'motcua', 10,
    '0190a1b2-0000-7000-8000-000000000010', 'VERIFY', 'intake: verify the applicant''s identity', '001090000001', 'FAILED', '', 0,
    'POPULATION_DB_UNAVAILABLE');
