-- Documents (docs/documents.md). Files live in the blob store, named by the
-- SHA-256 of their bytes; these tables say which blobs exist, which uploads
-- are under way (for resuming), which dossiers reference a blob (the
-- retention job removes only blobs nothing references, after a grace
-- period) and when a citizen first fetched each electronic result.
--
-- Rows written before this migration (components with a client-supplied
-- file_ref and file_sha256, results flagged electronic by the client) are
-- not backed by any blob; they keep the meaning they had (a claim) and
-- their components carry no "verified" mark.

-- +goose Up
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX blobs_created_at ON blobs (created_at);

CREATE TABLE uploads (
    id          UUID PRIMARY KEY,
    owner_key   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    media_type  TEXT NOT NULL,
    received    BIGINT NOT NULL DEFAULT 0,
    hash_state  BYTEA,
    state       SMALLINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploads_owner_sha ON uploads (owner_key, sha256);
CREATE INDEX uploads_updated_at ON uploads (updated_at);

CREATE TABLE blob_refs (
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    dossier_id UUID NOT NULL REFERENCES dossiers (id),
    PRIMARY KEY (sha256, dossier_id)
);
CREATE INDEX blob_refs_dossier ON blob_refs (dossier_id);

CREATE TABLE result_fetches (
    dossier_id UUID NOT NULL REFERENCES dossiers (id),
    doc_code   TEXT NOT NULL,
    fetched_by TEXT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dossier_id, doc_code)
);

-- +goose Down
DROP TABLE result_fetches;
DROP TABLE blob_refs;
DROP TABLE uploads;
DROP TABLE blobs;
