-- The foundation schema: catalog, dossiers, their hash-chained events, the
-- per-agency daily code sequence, and the idempotency log.

-- +goose Up
CREATE TABLE agencies (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    parent_code   TEXT REFERENCES agencies (code),
    time_zone     TEXT NOT NULL,
    working_hours JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_code, code);

CREATE TABLE procedures (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    field_code  TEXT NOT NULL,
    field_name  TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX procedures_agency ON procedures (agency_code, code);
CREATE INDEX procedures_field ON procedures (field_code, code);

CREATE TABLE procedure_versions (
    procedure_code    TEXT NOT NULL REFERENCES procedures (code),
    version           INTEGER NOT NULL,
    effective_at      TIMESTAMPTZ NOT NULL,
    end_at            TIMESTAMPTZ,
    service_level     SMALLINT NOT NULL,
    statutory_minutes INTEGER NOT NULL,
    cutoff_minute     INTEGER,
    fees              JSONB NOT NULL,
    components        JSONB NOT NULL,
    workflow          JSONB NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (procedure_code, version)
);

-- One counter per agency and local day; the row lock taken by the increment
-- serializes concurrent intake and the transaction makes it gap-free.
CREATE TABLE dossier_sequences (
    agency_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    last_value  BIGINT NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossiers (
    id                       UUID PRIMARY KEY,
    code                     TEXT NOT NULL UNIQUE,
    procedure_code           TEXT NOT NULL,
    procedure_version        INTEGER NOT NULL,
    agency_code              TEXT NOT NULL REFERENCES agencies (code),
    applicant_kind           SMALLINT NOT NULL,
    applicant_id_number      TEXT NOT NULL,
    applicant                JSONB NOT NULL,
    representative_id_number TEXT,
    representative           JSONB,
    channel                  SMALLINT NOT NULL,
    filed_by                 SMALLINT NOT NULL,
    status                   SMALLINT NOT NULL,
    resume_status            SMALLINT NOT NULL DEFAULT 0,
    summary                  TEXT NOT NULL,
    components               JSONB NOT NULL,
    submitted_at             TIMESTAMPTZ,
    received_at              TIMESTAMPTZ,
    clock_started_at         TIMESTAMPTZ,
    due_at                   TIMESTAMPTZ,
    original_due_at          TIMESTAMPTZ,
    paused_working_seconds   BIGINT NOT NULL DEFAULT 0,
    paused_at                TIMESTAMPTZ,
    step_index               INTEGER NOT NULL,
    step_name                TEXT NOT NULL,
    step_unit_code           TEXT NOT NULL,
    step_assignee            TEXT NOT NULL,
    step_started_at          TIMESTAMPTZ,
    step_due_at              TIMESTAMPTZ,
    result                   JSONB,
    return_channel           SMALLINT NOT NULL,
    finished_at              TIMESTAMPTZ,
    returned_at              TIMESTAMPTZ,
    identity                 JSONB,
    version                  BIGINT NOT NULL,
    last_event_seq           BIGINT NOT NULL,
    last_event_hash          TEXT NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
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
    id              UUID PRIMARY KEY,
    dossier_id      UUID NOT NULL REFERENCES dossiers (id),
    seq             BIGINT NOT NULL,
    action          SMALLINT NOT NULL,
    from_status     SMALLINT NOT NULL,
    to_status       SMALLINT NOT NULL,
    step_index      INTEGER NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    note            TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    channel         SMALLINT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_role      SMALLINT NOT NULL,
    actor_agency    TEXT NOT NULL,
    actor_kind      SMALLINT NOT NULL,
    assurance       SMALLINT NOT NULL,
    on_behalf_of    TEXT NOT NULL,
    mandate_ref     TEXT NOT NULL,
    source_system   TEXT NOT NULL,
    client_address  TEXT NOT NULL,
    dossier_version BIGINT NOT NULL,
    details         JSONB NOT NULL,
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
    response     BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
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
