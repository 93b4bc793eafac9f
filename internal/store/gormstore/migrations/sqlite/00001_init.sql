-- SQLite dialect of postgres/00001_init.sql: the same schema, with UUIDs and
-- JSON as text and times as UTC text in TIMESTAMP columns (which the driver
-- reads back as times).
-- The foundation schema: catalog, dossiers, their hash-chained events, the
-- per-agency daily code sequence, and the idempotency log.

-- +goose Up
CREATE TABLE agencies (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    parent_code   TEXT REFERENCES agencies (code),
    time_zone     TEXT NOT NULL,
    working_hours TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_code, code);

CREATE TABLE procedures (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    field_code  TEXT NOT NULL,
    field_name  TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX procedures_agency ON procedures (agency_code, code);
CREATE INDEX procedures_field ON procedures (field_code, code);

CREATE TABLE procedure_versions (
    procedure_code    TEXT NOT NULL REFERENCES procedures (code),
    version           INTEGER NOT NULL,
    effective_at      TIMESTAMP NOT NULL,
    end_at            TIMESTAMP,
    service_level     INTEGER NOT NULL,
    statutory_minutes INTEGER NOT NULL,
    cutoff_minute     INTEGER,
    fees              TEXT NOT NULL,
    components        TEXT NOT NULL,
    workflow          TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (procedure_code, version)
);

-- One counter per agency and local day; the row lock taken by the increment
-- serializes concurrent intake and the transaction makes it gap-free.
CREATE TABLE dossier_sequences (
    agency_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last_value  INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossiers (
    id                       TEXT PRIMARY KEY,
    code                     TEXT NOT NULL UNIQUE,
    procedure_code           TEXT NOT NULL,
    procedure_version        INTEGER NOT NULL,
    agency_code              TEXT NOT NULL REFERENCES agencies (code),
    applicant_kind           INTEGER NOT NULL,
    applicant_id_number      TEXT NOT NULL,
    applicant                TEXT NOT NULL,
    representative_id_number TEXT,
    representative           TEXT,
    channel                  INTEGER NOT NULL,
    filed_by                 INTEGER NOT NULL,
    status                   INTEGER NOT NULL,
    resume_status            INTEGER NOT NULL DEFAULT 0,
    summary                  TEXT NOT NULL,
    components               TEXT NOT NULL,
    submitted_at             TIMESTAMP,
    received_at              TIMESTAMP,
    clock_started_at         TIMESTAMP,
    due_at                   TIMESTAMP,
    original_due_at          TIMESTAMP,
    paused_working_seconds   INTEGER NOT NULL DEFAULT 0,
    paused_at                TIMESTAMP,
    step_index               INTEGER NOT NULL,
    step_name                TEXT NOT NULL,
    step_unit_code           TEXT NOT NULL,
    step_assignee            TEXT NOT NULL,
    step_started_at          TIMESTAMP,
    step_due_at              TIMESTAMP,
    result                   TEXT,
    return_channel           INTEGER NOT NULL,
    finished_at              TIMESTAMP,
    returned_at              TIMESTAMP,
    identity                 TEXT,
    version                  INTEGER NOT NULL,
    last_event_seq           INTEGER NOT NULL,
    last_event_hash          TEXT NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    FOREIGN KEY (procedure_code, procedure_version) REFERENCES procedure_versions (procedure_code, version)
);
-- Ids are UUIDv7 (time-ordered): "id DESC" is newest first, and every list
-- filter has an index ending in id for keyset pagination.
CREATE INDEX dossiers_agency ON dossiers (agency_code, id DESC);
CREATE INDEX dossiers_agency_status ON dossiers (agency_code, status, id DESC);
CREATE INDEX dossiers_procedure ON dossiers (procedure_code, id DESC);
CREATE INDEX dossiers_applicant ON dossiers (applicant_id_number, id DESC);
CREATE INDEX dossiers_representative ON dossiers (representative_id_number, id DESC)
    WHERE representative_id_number IS NOT NULL;
CREATE INDEX dossiers_received ON dossiers (agency_code, received_at);

CREATE TABLE dossier_events (
    id              TEXT PRIMARY KEY,
    dossier_id      TEXT NOT NULL REFERENCES dossiers (id),
    seq             INTEGER NOT NULL,
    action          INTEGER NOT NULL,
    from_status     INTEGER NOT NULL,
    to_status       INTEGER NOT NULL,
    step_index      INTEGER NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    note            TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    channel         INTEGER NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_role      INTEGER NOT NULL,
    actor_agency    TEXT NOT NULL,
    actor_kind      INTEGER NOT NULL,
    assurance       INTEGER NOT NULL,
    on_behalf_of    TEXT NOT NULL,
    mandate_ref     TEXT NOT NULL,
    source_system   TEXT NOT NULL,
    client_address  TEXT NOT NULL,
    dossier_version INTEGER NOT NULL,
    details         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    UNIQUE (dossier_id, seq)
);
CREATE INDEX dossier_events_time ON dossier_events (occurred_at);

-- Idempotency log: the first answer to each (principal, request_id).
CREATE TABLE requests (
    principal    TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    method       TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, request_id)
);
CREATE INDEX requests_created ON requests (created_at);

-- +goose Down
DROP TABLE requests;
DROP TABLE dossier_events;
DROP TABLE dossiers;
DROP TABLE dossier_sequences;
DROP TABLE procedure_versions;
DROP TABLE procedures;
DROP TABLE agencies;
