-- Rows written at schema version 11 (checked at head by checkV11): a stored
-- blob referenced by the version-4 dossier, the finished upload that stored
-- it, and the applicant's first fetch of a result.
INSERT INTO blobs (sha256, size, media_type, created_at)
VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1234, 'application/pdf', '2026-02-17 03:00:00+00:00');
INSERT INTO uploads (id, owner_key, sha256, size, media_type, received, hash_state, state, created_at, updated_at)
VALUES ('0190a1b2-0000-7000-8000-000000000111', 'dev|citizen|c11', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1234, 'application/pdf', 1234, NULL, 2,
 '2026-02-17 02:59:00+00:00', '2026-02-17 03:00:00+00:00');
INSERT INTO blob_refs (sha256, dossier_id) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '0190a1b2-0000-7000-8000-000000000010');
INSERT INTO result_fetches (dossier_id, doc_code, fetched_by, fetched_at)
VALUES ('0190a1b2-0000-7000-8000-000000000010', 'KQ', 'dev|citizen|c11', '2026-02-18 03:00:00+00:00');
