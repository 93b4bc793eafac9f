-- Signed webhooks (docs/webhooks.md). A subscription names an endpoint, the
-- event types and agencies it wants, and its signing secrets (a JSON list:
-- during a rotation the old one signs too until it expires). Deliveries are
-- jobs of the job engine (River's tables, migrated by River itself); a
-- cursor per (subscription, dossier) records the last event delivered, and
-- its lease lets one worker at a time deliver a dossier's events in order.
-- The delivery log keeps every attempt.

-- +goose Up
CREATE TABLE webhook_subscriptions (
    id                   TEXT PRIMARY KEY,
    endpoint             TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    event_types          JSONB NOT NULL DEFAULT '[]',
    agency_codes         JSONB NOT NULL DEFAULT '[]',
    secrets              JSONB NOT NULL,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    disabled_at          TIMESTAMPTZ,
    failing_since        TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_by           TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    version              BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE webhook_cursors (
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    dossier_id      UUID NOT NULL,
    last_seq        BIGINT NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    leased_until    TIMESTAMPTZ,
    PRIMARY KEY (subscription_id, dossier_id)
);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    dossier_id      UUID NOT NULL,
    seq             BIGINT NOT NULL,
    attempt         INTEGER NOT NULL,
    status_code     INTEGER NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    latency_ms      BIGINT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_cursors;
DROP TABLE webhook_subscriptions;
