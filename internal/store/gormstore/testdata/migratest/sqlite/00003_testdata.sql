-- Rows written at schema version 3 (checked at head by checkV3).
INSERT INTO dossier_accesses (dossier_id, actor_id, actor_role, actor_agency, purpose, method, accessed_at, client_address)
VALUES ('0190a1b2-0000-7000-8000-000000000009', 'cv1', 5, '000.01.01.H55', 'thẩm định', '/motcua.v1.Dossiers/GetDossier',
 '2026-02-13 03:00:00+00:00', '10.0.0.7');
