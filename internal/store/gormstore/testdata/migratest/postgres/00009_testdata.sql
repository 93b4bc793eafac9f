-- Rows written at schema version 9 (checked at head by checkV9): an event
-- of the version-4 dossier as the code stores it, with no feed position of
-- its own (the column defaults give it one after the backfilled event of
-- fixture 1).
INSERT INTO dossier_events (id, dossier_id, seq, action, from_status, to_status, step_index, occurred_at, note, request_id, channel,
 actor_id, actor_role, actor_agency, actor_kind, assurance, on_behalf_of, mandate_ref, source_system, client_address, dossier_version,
 details, prev_hash, hash)
VALUES ('0190a1b2-0000-7000-8000-0000000000e9', '0190a1b2-0000-7000-8000-000000000010', 1, 2, 0, 2, -1, '2026-03-02 01:00:00+00:00',
 'v9', 'r9', 1, 'clerk1', 4, '000.00.01.H55', 3, 2, '', '', '', '127.0.0.1', 1, '{}', '', 'h9');
