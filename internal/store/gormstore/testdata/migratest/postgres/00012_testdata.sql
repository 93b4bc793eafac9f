-- Schema version 12 adds the identity status and the population-database
-- query log, and the business-registration form and hand-off: the version-4
-- dossier becomes pending and handed off, one query is logged, and its
-- procedure version gets a form.
UPDATE dossiers SET identity = '{"matched":false,"source":"","query_id":"","verified_at":"0001-01-01T00:00:00Z","outcome":1,"applicant":{"outcome":1,"problem":"POPULATION_DB_UNAVAILABLE"}}',
    form = '{"ten_doanh_nghiep":"An Phát"}',
    handoff = '{"status":2,"enterprise_code":"0100000001","registry_status":"DA_NHAN","source":"HTTTQG-DKDN"}'
WHERE id = '0190a1b2-0000-7000-8000-000000000010';
INSERT INTO population_queries (id, at, actor_key, actor_id, actor_role, dossier_id, kind, purpose, subject_id_number, outcome, query_id, cached, problem)
VALUES ('0190a1b2-0000-7000-8000-000000000120', '2026-03-01 01:00:00+00:00', 'motcua|system|motcua', 'motcua', 10,
    '0190a1b2-0000-7000-8000-000000000010', 'VERIFY', 'intake: verify the applicant''s identity', '001090000001', 'FAILED', '', FALSE,
    'POPULATION_DB_UNAVAILABLE');
UPDATE procedure_versions SET form = '[{"name":"ten_doanh_nghiep","label":"Tên doanh nghiệp","type":"text","required":true}]'
WHERE version = (SELECT procedure_version FROM dossiers WHERE id = '0190a1b2-0000-7000-8000-000000000010')
  AND procedure_code = (SELECT procedure_code FROM dossiers WHERE id = '0190a1b2-0000-7000-8000-000000000010');
