-- Schema version 13 adds the identity and hand-off metrics to the aggregate
-- rows: the version-4 dossier's rows (its check pending and its hand-off
-- sent since fixture 12) count one checked, pending dossier with one
-- acknowledged hand-off.
UPDATE dossier_stats SET identity_checked = 1, identity_pending = 1, handoffs = 1, handoffs_acknowledged = 1
WHERE agency_code = '000.00.01.H55' AND procedure_code = '1.000001' AND day IN ('2026-02-14', '2026-02');
