-- SQLite dialect of postgres/00006_identity.sql.
-- Principal identity keys (docs/security.md, "Identity"). A staff member's own
-- access log is selected by the reader's identity key
-- "<issuer>|<kind>|<subject>", not by the subject, which is unique only within
-- one issuer and one kind of account.
--
-- Rows logged before this migration have no key (''): the reader's issuer was
-- not recorded, so no key can be derived for them without guessing. They stay
-- in the dossier's access log (its applicant and auditors) and in an auditor's
-- search by actor id; they are not in the staff member's self-view.
--
-- requests.principal needs no change of schema: new rows hold the identity key;
-- old rows hold a bare subject, which no key equals (a key always has two
-- "|"), so they are never served again and go with the retention pruning.

-- +goose Up
ALTER TABLE dossier_accesses ADD COLUMN actor_key TEXT NOT NULL DEFAULT '';
CREATE INDEX dossier_accesses_actor_key ON dossier_accesses (actor_key, id);

-- +goose Down
DROP INDEX dossier_accesses_actor_key;
ALTER TABLE dossier_accesses DROP COLUMN actor_key;
