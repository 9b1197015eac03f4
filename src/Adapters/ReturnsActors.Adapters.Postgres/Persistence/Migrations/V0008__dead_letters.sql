-- Inbound payloads (bulk CloudEvents, partner webhooks) that failed to parse, map or apply, kept with their reason
-- and raw body until they are fixed and replayed. Rows are never deleted by the application.
CREATE TABLE IF NOT EXISTS dead_letters
(
    tenant_id         text        NOT NULL,
    id                text        NOT NULL,
    source            text        NOT NULL,
    reason_code       text        NOT NULL,
    reason            text        NOT NULL,
    event_id          text        NULL,
    rma_id            text        NULL,
    content_type      text        NULL,
    headers           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    body              text        NOT NULL,
    received_at       timestamptz NOT NULL,
    status            text        NOT NULL DEFAULT 'pending',
    replay_attempts   integer     NOT NULL DEFAULT 0,
    replayed_at       timestamptz NULL,
    last_replay_error text        NULL,
    CONSTRAINT dead_letters_pk PRIMARY KEY (tenant_id, id)
);

CREATE INDEX IF NOT EXISTS dead_letters_tenant_status_received ON dead_letters (tenant_id, status, received_at DESC);
