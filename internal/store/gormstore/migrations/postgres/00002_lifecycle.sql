-- The lifecycle: process-control slips (one row per workflow step a dossier
-- passed through), working calendars set by administrators, and the
-- indexes for deadline queries.

-- +goose Up
CREATE TABLE process_control_slips (
    dossier_id  UUID NOT NULL REFERENCES dossiers (id),
    step_index  INTEGER NOT NULL,
    step_name   TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    role        SMALLINT NOT NULL,
    assignee    TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    -- 0 open, 1 finished (handed on or resolved), 2 ended without result
    outcome     SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dossier_id, step_index)
);
-- Late steps by unit: finished steps past due, and open steps (overdue now).
CREATE INDEX slips_unit ON process_control_slips (unit_code, finished_at);

-- Special days per year: scope "national", or an agency code for local days.
CREATE TABLE calendar_years (
    scope      TEXT NOT NULL,
    year       INTEGER NOT NULL,
    days       JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scope, year)
);

-- Deadline lists (overdue, due soon) read only dossiers whose clock runs
-- (RECEIVED 2, PROCESSING 4), ordered by the legal deadline.
CREATE INDEX dossiers_running_due ON dossiers (original_due_at, id) WHERE status IN (2, 4);
CREATE INDEX dossiers_agency_running_due ON dossiers (agency_code, original_due_at, id) WHERE status IN (2, 4);

-- +goose Down
DROP INDEX dossiers_agency_running_due;
DROP INDEX dossiers_running_due;
DROP TABLE calendar_years;
DROP TABLE process_control_slips;
