-- Indicators: aggregate rows kept in the same transaction as every dossier
-- change (internal/report). A row sums the contributions of the dossiers of
-- one agency, procedure, filing channel and filer kind filed on one local day
-- (period 'D', day 'YYYY-MM-DD') or in one month (period 'M', day 'YYYY-MM').

-- +goose Up
ALTER TABLE dossiers ADD COLUMN supplement_rounds  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN payment_requests   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN payments_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN payments_online    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN extensions         INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN processing_minutes BIGINT;

CREATE TABLE dossier_stats (
    period                TEXT NOT NULL,
    agency_code           TEXT NOT NULL,
    day                   TEXT NOT NULL,
    procedure_code        TEXT NOT NULL,
    field_code            TEXT NOT NULL,
    channel               SMALLINT NOT NULL,
    filed_by              SMALLINT NOT NULL,
    filed                 BIGINT NOT NULL DEFAULT 0,
    awaiting_intake       BIGINT NOT NULL DEFAULT 0,
    not_accepted          BIGINT NOT NULL DEFAULT 0,
    received              BIGINT NOT NULL DEFAULT 0,
    running               BIGINT NOT NULL DEFAULT 0,
    paused                BIGINT NOT NULL DEFAULT 0,
    resolved_on_time      BIGINT NOT NULL DEFAULT 0,
    resolved_late         BIGINT NOT NULL DEFAULT 0,
    withdrawn             BIGINT NOT NULL DEFAULT 0,
    stopped               BIGINT NOT NULL DEFAULT 0,
    returned              BIGINT NOT NULL DEFAULT 0,
    supplement_dossiers   BIGINT NOT NULL DEFAULT 0,
    supplement_rounds     BIGINT NOT NULL DEFAULT 0,
    payment_requests      BIGINT NOT NULL DEFAULT 0,
    payments_confirmed    BIGINT NOT NULL DEFAULT 0,
    payments_online       BIGINT NOT NULL DEFAULT 0,
    extensions            BIGINT NOT NULL DEFAULT 0,
    digitised_dossiers    BIGINT NOT NULL DEFAULT 0,
    components_total      BIGINT NOT NULL DEFAULT 0,
    components_digitised  BIGINT NOT NULL DEFAULT 0,
    components_reused     BIGINT NOT NULL DEFAULT 0,
    components_paper      BIGINT NOT NULL DEFAULT 0,
    electronic_results    BIGINT NOT NULL DEFAULT 0,
    processing_minutes    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (period, agency_code, day, procedure_code, channel, filed_by)
);

-- Processing time of resolved dossiers for percentiles, by bucket (whole
-- working hours within the first working day, whole working days beyond:
-- report.DurationBucket).
CREATE TABLE dossier_stats_durations (
    period         TEXT NOT NULL,
    agency_code    TEXT NOT NULL,
    day            TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    field_code     TEXT NOT NULL,
    channel        SMALLINT NOT NULL,
    filed_by       SMALLINT NOT NULL,
    bucket         INTEGER NOT NULL,
    dossiers       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (period, agency_code, day, procedure_code, channel, filed_by, bucket)
);

-- A year of a province reads the histogram from the index alone.
CREATE INDEX dossier_stats_durations_read ON dossier_stats_durations (period, agency_code, day)
    INCLUDE (procedure_code, field_code, channel, bucket, dossiers);

-- Workflow steps finished per unit and local day of finishing, and how many
-- of them late (process-control slips), for ranking units by lateness.
CREATE TABLE unit_step_stats (
    period       TEXT NOT NULL,
    unit_code    TEXT NOT NULL,
    day          TEXT NOT NULL,
    finished     BIGINT NOT NULL DEFAULT 0,
    late         BIGINT NOT NULL DEFAULT 0,
    late_minutes BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (period, unit_code, day)
);
-- Open steps per unit (overdue now).
CREATE INDEX slips_open_unit_due ON process_control_slips (unit_code, due_at) WHERE outcome = 0;

-- +goose Down
DROP INDEX slips_open_unit_due;
DROP INDEX dossier_stats_durations_read;
DROP TABLE unit_step_stats;
DROP TABLE dossier_stats_durations;
DROP TABLE dossier_stats;
ALTER TABLE dossiers DROP COLUMN processing_minutes;
ALTER TABLE dossiers DROP COLUMN extensions;
ALTER TABLE dossiers DROP COLUMN payments_online;
ALTER TABLE dossiers DROP COLUMN payments_confirmed;
ALTER TABLE dossiers DROP COLUMN payment_requests;
ALTER TABLE dossiers DROP COLUMN supplement_rounds;
