-- Yearly rows as ApplyStats writes them from version 17 on, with their
-- monthly rows (no daily row: checkV4 counts the daily rows).
INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by, filed, received)
VALUES ('M', '000.00.02.H55', '2025-03', '1.000001', 'F', 1, 3, 2, 2);
INSERT INTO dossier_stats (period, agency_code, day, procedure_code, field_code, channel, filed_by, filed, received)
VALUES ('Y', '000.00.02.H55', '2025', '1.000001', 'F', 1, 3, 2, 2);
INSERT INTO dossier_stats_durations (period, agency_code, day, procedure_code, field_code, channel, filed_by, bucket, dossiers)
VALUES ('M', '000.00.02.H55', '2025-03', '1.000001', 'F', 1, 3, 4, 2);
INSERT INTO dossier_stats_durations (period, agency_code, day, procedure_code, field_code, channel, filed_by, bucket, dossiers)
VALUES ('Y', '000.00.02.H55', '2025', '1.000001', 'F', 1, 3, 4, 2);
