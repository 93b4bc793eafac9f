-- Rows written at schema version 5 (checked at head by checkV5): a signed
-- checkpoint and the leaf of the version-4 dossier it anchors.
INSERT INTO checkpoints (seq, created_at, tree_size, root_hash, note)
VALUES (1, '2026-02-16 03:00:00+00:00', 1, 'cm9vdA==', 'motcua checkpoint v1
fixture
1
1
cm9vdA==
2026-02-16T03:00:00Z
');
INSERT INTO checkpoint_leaves (dossier_id, checkpoint_seq, last_seq, last_hash)
VALUES ('0190a1b2-0000-7000-8000-000000000010', 1, 5, 'h5');
