-- Schema version 14 indexes mandate checks awaiting the registry: the
-- version-4 dossier gains a representative whose mandate check is pending.
UPDATE dossiers SET representative_id_number = '001190000002',
    representative = '{"name":"Trần Thị Bình","id_number":"001190000002","mandate_ref":"UQ-2026-0001","principal_id_number":"001090000001","mandate_check":{"status":4,"method":"REGISTRY","source":"CSDL-UYQUYEN","reason":"MANDATE_REGISTRY_UNAVAILABLE"}}'
WHERE id = '0190a1b2-0000-7000-8000-000000000010';
