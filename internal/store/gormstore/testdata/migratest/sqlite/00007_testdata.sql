-- Schema version 7 adds only an index; this fixture moves the version-4
-- (SQLite: the driver's own text form of a time, RFC 3339, so that comparisons in SQL hold.)
-- dossier's change time so checkV7 can find it by updated_since.
UPDATE dossiers SET updated_at = '2026-03-01T01:00:00Z' WHERE id = '0190a1b2-0000-7000-8000-000000000010';
