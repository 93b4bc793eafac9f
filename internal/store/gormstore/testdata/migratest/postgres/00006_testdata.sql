-- Rows written at schema version 6 (checked at head by checkV6): a read logged
-- with the reader's identity key.
INSERT INTO dossier_accesses (dossier_id, actor_id, actor_role, actor_agency, purpose, method, accessed_at, client_address, actor_key)
VALUES ('0190a1b2-0000-7000-8000-000000000010', 'cv6', 5, '000.01.01.H55', 'kiểm tra', '/motcua.v1.Dossiers/GetDossier',
 '2026-02-17 03:00:00+00:00', '10.0.0.8', 'https://sso.example|staff|cv6');
